"""Use cases: plain functions called by Reflex handlers, REST routes and Celery tasks."""
