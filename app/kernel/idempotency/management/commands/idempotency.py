"""``manage.py idempotency prune [--hours N]``: delete Idempotency-Key records past their TTL."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from app.kernel.idempotency.services import records_prune


class Command(BaseCommand):
    help = "Idempotency-Key housekeeping."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        prune = sub.add_parser("prune", help="Delete records older than the TTL (24 h).")
        prune.add_argument("--hours", type=float, default=None, help="Override the TTL.")

    def handle(self, *args, action: str, hours: float | None = None, **options):
        older_than = timedelta(hours=hours) if hours is not None else None
        deleted = records_prune(older_than=older_than)
        self.stdout.write(f"Pruned {deleted} idempotency record(s).")
