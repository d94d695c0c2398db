"""``manage.py seed_demo``: idempotent demo data, contributed by each module's ``demo.py``."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Create demo data (idempotent): each module's demo.seed() in settings order."

    def handle(self, *args, **options):
        for package in settings.SEAMS_MODULES:
            try:
                demo = importlib.import_module(f"{package}.demo")
            except ModuleNotFoundError as missing:
                if missing.name != f"{package}.demo":
                    raise
                continue
            with transaction.atomic():
                for line in demo.seed():
                    self.stdout.write(line)
