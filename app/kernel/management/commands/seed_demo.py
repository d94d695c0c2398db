"""``manage.py seed_demo``: idempotent demo data, contributed by each module's ``demo.py``."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from app.kernel.modules import module_of, submodule
from app.kernel.ownership import acting_as


class Command(BaseCommand):
    help = "Create demo data (idempotent): each module's demo.seed() in settings order."

    def handle(self, *args, **options):
        for package in settings.SEAMS_MODULES:
            demo = submodule(package, "demo")
            if demo is None:
                continue
            # Runs as the module, so the data-ownership guard checks demo code too.
            with transaction.atomic(), acting_as(module_of(package)):
                for line in demo.seed():
                    self.stdout.write(line)
