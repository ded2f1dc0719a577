"""Real local stand-ins for external services that the test suite starts itself."""
