"""Forwards out: rows of the publisher's outbox bound for a consuming module on another
database are handed to that module's service over its internal endpoint
(``POST /internal/events/<module>/``, signed), which records them in its own outbox
(:mod:`.receiving`).

A batch is claimed, posted per target module and marked in ONE transaction of the
publisher's database, so a crash anywhere re-posts it (at-least-once; the receiving side
records an event once per handler). A row is done once the consumer's service has
recorded it; its handling, retries and dead letter are the consumer's. A service that
cannot be reached (refused, timed out, 5xx, breaker open) is retried with the usual backoff,
for as long as it takes: the rows wait in the publisher's outbox, visible with their
``last_error``. A request the consumer refuses (4xx: no such handler there, a payload it
rejects) counts as a failed attempt and ends dead after the last one, replayable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import structlog
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from app.kernel import topology
from app.kernel.events import conf, store
from app.kernel.events.consumer import Outcome, backoff_seconds
from app.kernel.events.models import OutboxMessage, OutboxStatus
from app.kernel.events.store import Envelope
from app.kernel.observability import metrics
from app.kernel.remote.client import internal_client, internal_headers

log = structlog.get_logger("seams.events.forwarding")

RECEIVE_PATH = "/internal/events/{module}/"


class ForwardRefused(Exception):
    """The consumer's service answered but refused the batch (a 4xx): counted as an
    attempt, dead after the last one."""


class ForwardFailed(Exception):
    """The consumer's service failed on the batch (a 5xx): retried, never dead."""


def batch_body(envelopes: Sequence[Envelope]) -> dict[str, Any]:
    """What the receiving endpoint takes: the events, as the publisher recorded them."""
    return {
        "events": [
            {
                "event_id": e.event_id,
                "event_name": e.event_name,
                "event_version": e.event_version,
                "key": e.key,
                "payload": e.payload,
                "traceparent": e.traceparent,
            }
            for e in envelopes
        ]
    }


def forward_due(
    *,
    using: str,
    limit: int = 500,
    honour_backoff: bool = True,
    ids: Sequence[int] | None = None,
) -> list[Outcome]:
    """Claim up to ``limit`` due forwards of ``using``'s outbox, hand them to their
    modules' services and record the outcome; one outcome per row. A topology of one
    database has no forwards: nothing is claimed."""
    if len(topology.current().databases()) == 1:
        return []
    outcomes: list[Outcome] = []
    with transaction.atomic(using=using):
        envelopes = store.claim(
            limit=limit, honour_backoff=honour_backoff, ids=ids, using=using, forwards=True
        )
        by_module: dict[str, list[Envelope]] = {}
        for envelope in envelopes:
            by_module.setdefault(envelope.module, []).append(envelope)
        for module, batch in by_module.items():
            service = topology.current().service_of(module).name
            try:
                post_to_service(service, RECEIVE_PATH.format(module=module), batch_body(batch))
            except Exception as exc:
                outcomes += _failed(batch, exc, using, refused=isinstance(exc, ForwardRefused))
            else:
                OutboxMessage.objects.using(using).filter(
                    id__in=[e.outbox_id for e in batch]
                ).update(status=OutboxStatus.DONE, processed_at=timezone.now())
                outcomes += [Outcome.FORWARDED] * len(batch)
                for envelope in batch:
                    metrics.delivery_outcome(envelope.event_name, module, "forwarded")
    return outcomes


def _failed(batch: list[Envelope], exc: BaseException, using: str, *, refused: bool) -> list:
    """Back to pending after a backoff; a refused batch dies after the last attempt."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    now = timezone.now()
    rows = OutboxMessage.objects.using(using).filter(id__in=[e.outbox_id for e in batch])
    attempt = 1 + max(e.attempts for e in batch)
    dead = refused and attempt >= int(conf.get("SEAMS_EVENTS_MAX_ATTEMPTS"))
    rows.update(
        status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
        attempts=F("attempts") + 1,
        available_at=now + timedelta(seconds=0 if dead else backoff_seconds(attempt)),
        last_error=error,
    )
    log.warning(
        "event forward failed",
        module=batch[0].module,
        rows=len(batch),
        attempt=attempt,
        dead=dead,
        error=error,
    )
    for envelope in batch:
        metrics.delivery_outcome(
            envelope.event_name, envelope.module, "dead" if dead else "retried"
        )
    return [Outcome.DEAD if dead else Outcome.RETRY] * len(batch)


def post_to_service(service: str, path: str, body: dict[str, Any]) -> None:
    """A signed POST through the remote binding's pooled client
    for ``service``, with the timeout of the receiving module's resilience policy. A 4xx
    is :class:`ForwardRefused`, a 5xx :class:`ForwardFailed`; a transport error or a timeout
    propagates as :class:`~app.kernel.remote.channels.ChannelError`."""
    module = path.strip("/").split("/")[-1]
    timeout = topology.current().resilience_for(module).timeout_seconds
    reply = internal_client(service).post(
        path, json.dumps(body).encode(), internal_headers(), timeout
    )
    if 400 <= reply.status < 500:
        raise ForwardRefused(f"{service} answered {reply.status}: {reply.text[:300]}")
    if reply.status >= 500:
        raise ForwardFailed(f"{service} answered {reply.status}")
