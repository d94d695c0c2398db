"""The baseline of ``make bench-checkout``: one DRF endpoint doing one INSERT transaction.

Bench only: mounted by ``baseline/urls.py`` under ``baseline/settings.py``, never by the
product's URLconf. It runs under the product's settings otherwise (middleware, DRF defaults:
JWT authentication, throttles in the Redis cache, the same gunicorn configuration).
"""
