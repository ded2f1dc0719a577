"""Marketplace: seller onboarding, listings with tiers, collaborators, files and previews, and search."""
