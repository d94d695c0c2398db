"""Celery tasks of the catalog module: thin shells that take ids and call services."""
