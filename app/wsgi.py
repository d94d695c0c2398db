"""WSGI entry point used by gunicorn and granian (``app.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
django_application = get_wsgi_application()  # sets Django up: what follows imports models

from app.kernel.remote.handler import ServiceApplication  # noqa: E402

# /internal/ (calls from other services) on lean paths, the rest on Django's full stack
application = ServiceApplication(django_application)
