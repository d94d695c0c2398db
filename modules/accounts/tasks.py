"""Celery tasks of the accounts module: thin shells that take ids and call services."""
