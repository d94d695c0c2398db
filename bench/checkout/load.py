"""The load generator of ``make bench-checkout``: a small asyncio + httpx client.

Why our own and not Locust: the figures wanted are a closed loop (N customers, each doing one
thing after the other) and one open-loop rate, and a latency that ends when a *poll* sees the
order ``confirmed``; that is ~100 lines on httpx (already a dependency) in one process, where
Locust would add gevent, a web UI and its own statistics to bend to the same shape.

Honest about itself: one process, one event loop, one keep-alive connection per customer,
on the same 2 cores as the server, for the baseline and the product alike (so the client's
own cost weighs on both sides of every ratio). Every operation that starts inside the
measured window and ends before it closes counts; the warm-up and the tail do not.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

POLL_SECONDS = 0.02  # the checkout's poll interval while the order is pending
# A poll revalidates the order it holds (``If-None-Match`` with its ``ETag``: a ``304`` while
# it is unchanged), as an HTTP client that polls should; BENCH_REVALIDATE=0 fetches it whole
# every time (the client before 2026-12-03).
REVALIDATE = os.environ.get("BENCH_REVALIDATE", "1") != "0"
# A poll asks the server to hold its answer while the order is pending (``Prefer: wait``,
# ADR 0025) for up to BENCH_WAIT seconds, and polls again at once if it is still pending
# then; BENCH_WAIT=0 sends no preference and polls every POLL_SECONDS (the client before
# 2026-12-04).
WAIT_SECONDS = int(os.environ.get("BENCH_WAIT", "10"))
POLLS: Counter[str] = Counter()  # the checkouts' polls: "sent", and "not_modified" (304)


@dataclass
class Customer:
    email: str
    token: str
    sku: str


@dataclass
class Phase:
    """What one phase measured: per operation its start, latency and outcome."""

    name: str
    concurrency: int | None  # None: open loop
    seconds: float
    samples: list[tuple[float, float, str]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    completed: int = 0  # every operation that ended, warm-up and tail included

    def ok(self, outcome: str = "ok") -> list[float]:
        return [latency for _, latency, seen in self.samples if seen == outcome]

    def rate(self, outcome: str = "ok") -> float:
        return len(self.ok(outcome)) / self.seconds

    def percentile(self, p: float, outcome: str = "ok") -> float | None:
        values = sorted(self.ok(outcome))
        if not values:
            return None
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    def summary(self, outcome: str = "ok") -> dict:
        return {
            "name": self.name,
            "concurrency": self.concurrency,
            "seconds": self.seconds,
            "count": len(self.ok(outcome)),
            "rate": round(self.rate(outcome), 2),
            "p50_ms": _ms(self.percentile(50, outcome)),
            "p99_ms": _ms(self.percentile(99, outcome)),
            "outcomes": _outcomes(self.samples),
            "errors": self.errors,
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _outcomes(samples: list[tuple[float, float, str]]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for _, _, outcome in samples:
        counted[outcome] = counted.get(outcome, 0) + 1
    return counted


Operation = Callable[[httpx.AsyncClient, Customer], Awaitable[str]]


def insert_row(path: str) -> Operation:
    async def operation(client: httpx.AsyncClient, customer: Customer) -> str:
        response = await client.post(path, json={"note": "bench"})
        return "ok" if response.status_code == 201 else f"http_{response.status_code}"

    return operation


async def _place(client: httpx.AsyncClient, customer: Customer) -> httpx.Response:
    return await client.post(
        "/api/v1/orders/",
        json={"items": [{"sku": customer.sku, "quantity": 1}]},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


async def place_order(client: httpx.AsyncClient, customer: Customer) -> str:
    """``POST /api/v1/orders/`` alone: 202 is success; the saga runs on without us."""
    response = await _place(client, customer)
    return "ok" if response.status_code == 202 else f"http_{response.status_code}"


async def checkout(client: httpx.AsyncClient, customer: Customer) -> str:
    """Place an order, then poll it until it is no longer ``pending``: ``ok`` = confirmed
    (each poll held by the server while pending, :data:`WAIT_SECONDS`, and revalidating
    what it holds, :data:`REVALIDATE`)."""
    response = await _place(client, customer)
    if response.status_code != 202:
        return f"http_{response.status_code}"
    path = f"/api/v1/orders/{response.json()['id']}/"
    headers = {"Prefer": f"wait={WAIT_SECONDS}"} if WAIT_SECONDS else {}
    while True:
        if not WAIT_SECONDS:
            await asyncio.sleep(POLL_SECONDS)
        polled = await client.get(path, headers=headers)
        POLLS["sent"] += 1
        if polled.status_code == 304:
            POLLS["not_modified"] += 1
            continue  # still what it was: pending
        if polled.status_code != 200:
            return f"http_{polled.status_code}"
        if REVALIDATE and "ETag" in polled.headers:
            headers["If-None-Match"] = polled.headers["ETag"]  # the representation last seen
        status = polled.json()["status"]
        if status == "confirmed":
            return "ok"
        if status != "pending":
            return status


def _client(base_url: str, customer: Customer) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {customer.token}"},
        timeout=30,
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


async def _timed(phase: Phase, operation: Operation, client, customer, window) -> None:
    started = time.monotonic()
    try:
        outcome = await operation(client, customer)
    except httpx.HTTPError as exc:
        phase.errors[type(exc).__name__] = phase.errors.get(type(exc).__name__, 0) + 1
        outcome = "transport_error"
    ended = time.monotonic()
    phase.completed += 1
    if window[0] <= started and ended <= window[1]:
        phase.samples.append((started, ended - started, outcome))


async def closed_loop(
    base_url: str, customers: list[Customer], operation: Operation, *, name: str,
    seconds: float, warmup: float = 2.0,
) -> Phase:  # fmt: skip
    """Every customer repeats ``operation`` back to back for ``warmup + seconds``."""
    phase = Phase(name, len(customers), seconds)
    start = time.monotonic() + warmup
    window = (start, start + seconds)

    async def one(customer: Customer) -> None:
        async with _client(base_url, customer) as client:
            while time.monotonic() < window[1]:
                await _timed(phase, operation, client, customer, window)

    await asyncio.gather(*(one(customer) for customer in customers))
    return phase


async def open_loop(
    base_url: str, customers: list[Customer], operation: Operation, *, name: str,
    rate: float, seconds: float, warmup: float = 2.0,
) -> Phase:  # fmt: skip
    """Arrivals at a fixed ``rate`` per second, whatever is still in flight (round robin
    over the customers, each with its own connection pool)."""
    phase = Phase(name, None, seconds)
    start = time.monotonic() + warmup
    window = (start, start + seconds)
    clients = [
        httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {customer.token}"}, timeout=30
        )
        for customer in customers
    ]
    tasks = []
    try:
        n = 0
        begin = time.monotonic()
        while (now := time.monotonic()) < window[1]:
            due = begin + n / rate
            if due > now:
                await asyncio.sleep(due - now)
            k = n % len(customers)
            timed = _timed(phase, operation, clients[k], customers[k], window)
            tasks.append(asyncio.create_task(timed))
            n += 1
        await asyncio.gather(*tasks)
    finally:
        for client in clients:
            await client.aclose()
    return phase
