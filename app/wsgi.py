"""WSGI entry point used by gunicorn (``app.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

from app.kernel.remote.handler import ServiceApplication

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")

# /internal/ (calls from other services) on a lean handler, the rest on Django's full stack
application = ServiceApplication(get_wsgi_application())
