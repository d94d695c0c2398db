"""``manage.py frontdoor URL``: the front door's links under ``URL`` (``make run`` prints them)."""

from django.core.management.base import BaseCommand

from app.kernel.frontdoor import LINKS, demo_logins


class Command(BaseCommand):
    help = "Print the front door's links (and, outside production, the demo logins)."

    def add_arguments(self, parser):
        parser.add_argument("base", help="where the shop is served, e.g. http://127.0.0.1:8000")

    def handle(self, *args, base: str, **options):
        base = base.rstrip("/")
        self.stdout.write(f"Seams shop: {base}/")
        for link in LINKS:
            self.stdout.write(f"  {link.title + ':':16} {base}{link.path}")
        for role, email, password in demo_logins():
            self.stdout.write(f"  demo {role + ':':11} {email} / {password}")
