"""Max Booster: a self-hostable career platform for independent music artists."""
