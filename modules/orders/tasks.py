"""Celery tasks of the orders module: thin shells that take ids and call services."""
