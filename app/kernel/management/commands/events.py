"""``manage.py events <relay|drain|failed|replay|queues|prune|contracts>``: run and operate
the event seam (docs/events.md)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from app.kernel.events import bus, celery_config, contracts, embedded, store
from app.kernel.events.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.kernel.events.relay import Relay


class Command(BaseCommand):
    help = "Operate the event seam: relay, drain, failed, replay, queues, prune, contracts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        relay = sub.add_parser("relay", help="relay outbox rows to Celery queues (a process)")
        relay.add_argument("--once", action="store_true", help="relay what is due, then exit")
        relay.add_argument("--batch", type=int, default=None)
        sub.add_parser("drain", help="run every pending delivery in this process, then exit")
        failed = sub.add_parser("failed", help="list dead deliveries (newest first)")
        failed.add_argument("--limit", type=int, default=50)
        failed.add_argument("--verbose", "-v", action="store_true", help="with last tracebacks")
        replay = sub.add_parser("replay", help="re-queue dead deliveries")
        replay.add_argument("ids", nargs="*", type=int)
        replay.add_argument("--all", action="store_true")
        sub.add_parser("queues", help="queues, their handlers, and outbox counts")
        prune = sub.add_parser("prune", help="delete handled rows older than the retention")
        prune.add_argument("--days", type=float, default=None)
        contract = sub.add_parser("contracts", help="check (default) or write event schemas")
        contract.add_argument("--write", action="store_true")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"_{action}")(**options)

    # -- processes ---------------------------------------------------------------------
    def _relay(self, *, once: bool, batch: int | None, **_) -> None:
        relay = Relay(batch=batch)
        if once:
            self.stdout.write(f"relayed {relay.sweep()} rows")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        relay.run(stop)

    def _drain(self, **_) -> None:
        self.stdout.write(f"ran {embedded.drain(honour_backoff=True)} deliveries")

    # -- dead letters ------------------------------------------------------------------
    def _failed(self, *, limit: int, verbose: bool, **_) -> None:
        rows = OutboxMessage.objects.filter(status=OutboxStatus.DEAD).order_by("-id")[:limit]
        if not rows:
            self.stdout.write("no dead deliveries")
            return
        for row in rows:
            self.stdout.write(
                f"#{row.id}  {row.event_name} v{row.event_version}  key={row.key}  → "
                f"{row.handler}  attempts={row.attempts}  {row.last_error}"
            )
            if verbose:
                last = DeliveryAttempt.objects.filter(message=row).order_by("-attempt").first()
                if last:
                    self.stdout.write(last.error)
        self.stdout.write(
            "replay with `manage.py events replay <id> ...` or `manage.py events replay --all`"
        )

    def _replay(self, *, ids: list[int], all: bool, **_) -> None:
        if not ids and not all:
            raise CommandError("give outbox ids, or --all")
        if ids and all:
            raise CommandError("give outbox ids or --all, not both")
        count = store.replay(None if all else ids)
        self.stdout.write(f"re-queued {count} dead deliveries")

    # -- inspection and housekeeping -------------------------------------------------------
    def _queues(self, **_) -> None:
        counts: dict[tuple[str, str], int] = {}
        for module, status in OutboxMessage.objects.values_list("module", "status"):
            counts[(module, status)] = counts.get((module, status), 0) + 1
        by_module: dict[str, list] = {}
        for bound in bus.all_subscriptions():
            by_module.setdefault(bound.module, []).append(bound)
        for queue in celery_config.queue_names():
            self.stdout.write(queue)
            for module, bounds in sorted(by_module.items()):
                if celery_config.queue_for(module) != queue:
                    continue
                for b in bounds:
                    name = b.subscription.event.name
                    self.stdout.write(f"  {b.delivery.value:12} {name} → {b.handler_id}")
                summary = ", ".join(
                    f"{status}={n}" for (m, status), n in sorted(counts.items()) if m == module
                )
                if summary:
                    self.stdout.write(f"  outbox: {summary}")

    def _prune(self, *, days: float | None, **_) -> None:
        cutoff = None if days is None else timezone.now() - timezone.timedelta(days=days)
        outbox, inbox = store.prune(older_than=cutoff)
        self.stdout.write(f"pruned {outbox} outbox rows and {inbox} inbox entries")

    def _contracts(self, *, write: bool, **_) -> None:
        classes = contracts.event_classes()
        directory = contracts.contracts_dir()
        if write:
            for path in contracts.write(classes, directory):
                self.stdout.write(f"wrote {path.relative_to(directory.parent.parent)}")
            return
        problems = contracts.check(classes, directory)
        for orphan in contracts.orphans(classes, directory):
            self.stdout.write(f"note: {orphan.name} belongs to no current event")
        if problems:
            raise CommandError("event contracts:\n  " + "\n  ".join(problems))
        self.stdout.write(f"{len(classes)} event contracts OK")
