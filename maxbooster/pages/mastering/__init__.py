"""Mastering UI pieces shown on a track's page: the mastering form and the list of versions."""
