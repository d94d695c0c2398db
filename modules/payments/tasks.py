"""Celery tasks of the payments module: thin shells that take ids and call services."""
