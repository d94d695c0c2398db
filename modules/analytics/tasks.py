"""Celery tasks of the analytics module: thin shells that take ids and call services."""
