"""Seams composition root: settings, URLs, the Celery app, and the kernel.

Importing the Celery app here makes ``@shared_task`` bind to it in every process.
"""

from app.celery import app as celery_app

__all__ = ("celery_app",)
