"""``manage.py events <relay|drain|failed|replay|queues|prune|contracts>``: run and operate
the event seam (docs/events.md)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from app.kernel.boundaries.describe import REGENERATE_ALL
from app.kernel.events import bus, celery_config, contracts, embedded, store
from app.kernel.events.models import DeliveryAttempt, OutboxMessage, OutboxStatus
from app.kernel.events.relay import Relay
from app.kernel.observability.exposition import serve_from_port


class Command(BaseCommand):
    help = "Operate the event seam: relay, drain, failed, replay, queues, prune, contracts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            help="the database whose outbox to work on (default: every one this process "
            "delivers: its own, or each of the topology's when it plays every service)",
        )
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

    def handle(self, *args, action: str, database: str | None, **options) -> None:
        aliases = [database] if database else store.outbox_dbs()
        getattr(self, f"_{action}")(aliases=aliases, **options)

    # -- processes ---------------------------------------------------------------------
    def _relay(self, *, aliases: list[str], once: bool, batch: int | None, **_) -> None:
        relays = [Relay(batch=batch, using=alias) for alias in aliases]
        if once:
            self.stdout.write(f"relayed {sum(relay.sweep() for relay in relays)} rows")
            return
        serve_from_port("relay")  # SEAMS_METRICS_PORT: this process's samples
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        # one relay per database, each in its own thread (and so its own connections)
        threads = [threading.Thread(target=relay.run, args=(stop,)) for relay in relays[1:]]
        for thread in threads:
            thread.start()
        relays[0].run(stop)
        for thread in threads:
            thread.join()

    def _drain(self, **_) -> None:  # every database this process delivers
        self.stdout.write(f"ran {embedded.drain(honour_backoff=True)} deliveries")

    # -- dead letters ------------------------------------------------------------------
    def _failed(self, *, aliases: list[str], limit: int, verbose: bool, **_) -> None:
        found = False
        for alias in aliases:
            dead = OutboxMessage.objects.using(alias).filter(status=OutboxStatus.DEAD)
            where = f"  [{alias}]" if len(aliases) > 1 else ""
            for row in dead.order_by("-id")[:limit]:
                found = True
                self.stdout.write(
                    f"#{row.id}{where}  {row.event_name} v{row.event_version}  key={row.key}  "
                    f"→ {row.handler}  attempts={row.attempts}  {row.last_error}"
                )
                if verbose:
                    attempts = DeliveryAttempt.objects.using(alias).filter(message_id=row.id)
                    if last := attempts.order_by("-attempt").first():
                        self.stdout.write(last.error)
        if not found:
            self.stdout.write("no dead deliveries")
            return
        self.stdout.write(
            "replay with `manage.py events replay <id> ...` or `manage.py events replay --all`"
        )

    def _replay(self, *, aliases: list[str], ids: list[int], all: bool, **_) -> None:
        if not ids and not all:
            raise CommandError("give outbox ids, or --all")
        if ids and all:
            raise CommandError("give outbox ids or --all, not both")
        if ids and len(aliases) > 1:
            raise CommandError("outbox ids are per database: say which with --database")
        count = sum(store.replay(None if all else ids, using=alias) for alias in aliases)
        self.stdout.write(f"re-queued {count} dead deliveries")

    # -- inspection and housekeeping -------------------------------------------------------
    def _queues(self, *, aliases: list[str], **_) -> None:
        counts: dict[tuple[str, str], int] = {}
        for alias in aliases:
            rows = OutboxMessage.objects.using(alias).values_list("module", "status")
            for module, status in rows:
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

    def _prune(self, *, aliases: list[str], days: float | None, **_) -> None:
        cutoff = None if days is None else timezone.now() - timezone.timedelta(days=days)
        pruned = [store.prune(older_than=cutoff, using=alias) for alias in aliases]
        outbox, inbox = sum(p[0] for p in pruned), sum(p[1] for p in pruned)
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
            raise CommandError(
                "event contracts:\n  " + "\n  ".join(problems) + f"\n({REGENERATE_ALL})"
            )
        self.stdout.write(f"{len(classes)} event contracts OK")
