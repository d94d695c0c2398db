"""The relay: outbox rows → the consuming modules' Celery queues.

Each pass claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of relays
can run), publishes it to the broker, and commits the claim only after the broker took every
message: a crash in between republishes the batch (at-least-once; the consumers' inbox drops
the duplicates). It is woken by PostgreSQL ``NOTIFY``, which the outbox table's trigger queues
in the publishing transaction (delivered at its commit), and sweeps every
SEAMS_EVENTS_SWEEP_SECONDS (retries coming due, missed wake-ups).

With a Redis broker a batch goes out as ONE pipelined round trip of ``LPUSH`` commands, each a
complete Celery (protocol 2) message in kombu's Redis format; other brokers get one publish
per row through a single reused producer.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Protocol

import psycopg
import redis
import structlog
from celery import current_app
from django.db import close_old_connections, connections, transaction

from app.kernel.events import conf, forwarding, outbox, store
from app.kernel.events.celery_config import DELIVER_TASK, queue_for
from app.kernel.events.store import Envelope
from app.kernel.observability import metrics, tracing
from app.kernel.wakeups import connect_listening

log = structlog.get_logger("seams.events.relay")


class Publisher(Protocol):
    def publish(self, envelopes: Sequence[Envelope]) -> None: ...


_BODY = (
    '[[],{"envelope":{"outbox_id":%d,"event_id":"%s","event_name":%s,"event_version":%d,'
    '"handler":%s,"module":%s,"key":%s,"payload":%s,"traceparent":%s,"attempts":%d}},'
    '{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]'
)
_MESSAGE = (
    '{"body":%s,"content-encoding":"utf-8","content-type":"application/json",'
    '"headers":{"lang":"py","task":"' + DELIVER_TASK + '","id":"%s","shadow":null,"eta":null,'
    '"expires":null,"group":null,"group_index":null,"retries":0,"timelimit":[null,null],'
    '"root_id":"%s","parent_id":null,"argsrepr":"()","kwargsrepr":"{\'envelope\': <outbox>}",'
    '"origin":%s,"ignore_result":true,"replaced_task_nesting":0,"stamped_headers":null,'
    '"stamps":{},"traceparent":%s},'
    '"properties":{"correlation_id":"%s","reply_to":"","delivery_mode":2,'
    '"delivery_info":{"exchange":"","routing_key":%s},"priority":0,"delivery_tag":"%s"}}'
)


@lru_cache(maxsize=4096)
def _js(value: str | None) -> str:
    return json.dumps(value)


def celery_message(envelope: Envelope, queue: str, origin: str) -> str:
    """One ``seams_events.deliver(envelope=...)`` task message (Celery protocol 2) as kombu's
    Redis transport stores it: what ``apply_async`` would push, built from a template (the
    payload's JSON text from the database is spliced in, not re-encoded). The body is carried
    as plain JSON text (no ``body_encoding``), which kombu reads as is."""
    task_id = uuid.uuid4().hex
    payload = envelope.payload
    body = _BODY % (
        envelope.outbox_id,
        envelope.event_id,
        _js(envelope.event_name),
        envelope.event_version,
        _js(envelope.handler),
        _js(envelope.module),
        json.dumps(envelope.key),
        payload if isinstance(payload, str) else json.dumps(payload),
        json.dumps(envelope.traceparent),
        envelope.attempts,
    )
    trace = json.dumps(envelope.traceparent)
    return _MESSAGE % (
        json.dumps(body),
        task_id,
        task_id,
        _js(origin),
        trace,
        task_id,
        _js(queue),
        task_id,
    )


class RedisPipelinePublisher:
    """A batch = one pipelined round trip to Redis (the broker hop is the bottleneck)."""

    def __init__(self, url: str, *, queue_of: Callable[[str], str] = queue_for) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self.queue_of = queue_of
        self.origin = f"relay@{socket.gethostname()}:{os.getpid()}"

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for envelope in envelopes:
            queue = self.queue_of(envelope.module)
            pipe.lpush(queue, celery_message(envelope, queue, self.origin))
        pipe.execute()


class CeleryPublisher:
    """Any broker: one ``send_task`` per row through one reused producer connection."""

    def __init__(self, *, queue_of: Callable[[str], str] = queue_for) -> None:
        self.queue_of = queue_of

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        app = current_app
        with app.producer_or_acquire() as producer:
            for envelope in envelopes:
                app.send_task(
                    DELIVER_TASK,
                    kwargs={"envelope": envelope.as_dict()},
                    queue=self.queue_of(envelope.module),
                    producer=producer,
                    headers={"traceparent": envelope.traceparent},
                )


def default_publisher() -> Publisher:
    broker = current_app.conf.broker_url or ""
    if broker.startswith(("redis://", "rediss://", "unix://")):
        return RedisPipelinePublisher(broker)
    return CeleryPublisher()


class Relay:
    def __init__(
        self,
        publisher: Publisher | None = None,
        *,
        batch: int | None = None,
        using: str | None = None,
    ) -> None:
        self.publisher = publisher or default_publisher()
        self.batch = batch or int(conf.get("SEAMS_EVENTS_RELAY_BATCH"))
        self.using = using or store.outbox_db()
        # the Redis publisher splices the payload's JSON text; others need it parsed
        self.raw_payload = isinstance(self.publisher, RedisPipelinePublisher)

    def relay_batch(self, *, stale: bool = False) -> int:
        """Claim, publish and mark one batch; the claim commits only after the publish."""
        with transaction.atomic(using=self.using):
            envelopes = store.claim(
                limit=self.batch, stale=stale, using=self.using, parse_payload=not self.raw_payload
            )
            if envelopes:
                self.publish(envelopes)
        return len(envelopes)

    def publish(self, envelopes: list[Envelope]) -> None:
        """Publish a claimed batch, timed; with tracing on, each row's message is sent from
        a span of the row's own trace (the relay's hop in it), which its task continues."""
        if not tracing.enabled():
            metrics.timed_batch(len(envelopes), lambda: self.publisher.publish(envelopes))
            return
        spans = [
            tracing.producer_span(
                f"relay {e.event_name}",
                e.traceparent,
                **{
                    tracing.MODULE: e.module,
                    tracing.EVENT: e.event_name,
                    "seams.handler": e.handler,
                },
            )
            for e in envelopes
        ]
        traced = [
            replace(e, traceparent=tracing.traceparent_of(span) or e.traceparent)
            for e, span in zip(envelopes, spans, strict=True)
        ]
        try:
            metrics.timed_batch(len(traced), lambda: self.publisher.publish(traced))
        finally:
            for span in spans:
                span.end()

    def drain(self) -> int:
        """Relay until a batch comes back short; returns the rows relayed."""
        total = 0
        while True:
            relayed = self.relay_batch()
            total += relayed
            if relayed < self.batch:
                return total

    def forward(self) -> int:
        """Hand due forwards (consumers on other databases) to their services."""
        return len(forwarding.forward_due(using=self.using, limit=self.batch))

    def sweep(self) -> int:
        """Due rows, forwards, then rows sent so long ago that their message must be lost."""
        return self.drain() + self.forward() + self.relay_batch(stale=True)

    def run(self, stop: threading.Event | None = None) -> None:
        """Relay until ``stop`` is set: woken by NOTIFY, sweeping every few seconds."""
        stop = stop or threading.Event()
        interval = float(conf.get("SEAMS_EVENTS_SWEEP_SECONDS"))
        listener: psycopg.Connection | None = None
        passes = 0
        log.info("relay started", batch=self.batch, sweep_seconds=interval)
        while not stop.is_set():
            try:
                if listener is None and connections[self.using].vendor == "postgresql":
                    listener = listen(self.using)
                relayed = self.drain() + self.forward()
                passes += 1
                if passes % 30 == 0:
                    relayed += self.relay_batch(stale=True)
                if relayed:
                    log.debug("relayed", rows=relayed)
                wait_until_woken(listener, interval, stop)
            except Exception:
                log.exception("relay pass failed; retrying")
                if listener is not None:
                    listener.close()
                    listener = None
                close_old_connections()
                stop.wait(min(5.0, interval * 2))
        if listener is not None:
            listener.close()
        log.info("relay stopped")


def listen(using: str) -> psycopg.Connection:
    """A dedicated autocommit connection LISTENing on the outbox channel."""
    return connect_listening(using, outbox.NOTIFY_CHANNEL)


def wait(listener: psycopg.Connection | None, timeout: float) -> bool:
    """Until a NOTIFY arrives (then gather the others queued) or ``timeout`` passes; True if
    notified."""
    if listener is None:
        time.sleep(timeout)
        return False
    notified = False
    for _ in listener.notifies(timeout=timeout, stop_after=1):
        notified = True
    for _ in listener.notifies(timeout=0.0):
        pass
    return notified


def wait_until_woken(
    listener: psycopg.Connection | None, timeout: float, stop: threading.Event
) -> None:
    """``wait`` in slices of at most a second, so ``stop`` (SIGTERM) is seen promptly."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0 or wait(listener, min(1.0, remaining)):
            return
