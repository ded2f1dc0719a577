"""Admin area: users and roles, plans, the email outbox. Every function checks the admin role."""
