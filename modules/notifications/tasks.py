"""Celery tasks of the notifications module: thin shells that take ids and call services."""
