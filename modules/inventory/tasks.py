"""Celery tasks of the inventory module: thin shells that take ids and call services."""
