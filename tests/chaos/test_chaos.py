"""Chaos: the production roles under a steady load of checkouts and cancellations while the
worker and the relay are SIGKILLed, Redis is stopped for 10 s and PostgreSQL is restarted.

Within SETTLE_SECONDS of the last fault every order must be terminal (``confirmed`` or
``cancelled``, none ``timed_out``: a crash of our own processes must not cancel a customer's
order), nothing charged twice, no delivery dead, money and stock conserved. The run prints
one line with the figures. ``make chaos`` (marker ``chaos``; also ``slow``) runs it against a
PostgreSQL cluster and a Redis server it starts for itself on ports 18510-18512.
"""

from __future__ import annotations

import logging
import random
import shutil
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.chaos.cluster import Cluster
from tests.chaos.invariants import violations_in

pytestmark = [pytest.mark.slow, pytest.mark.chaos, pytest.mark.timeout(900)]

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise

PORTS = range(18510, 18513)
CUSTOMERS = 6
SKUS = {"CHAOS-A": ("7.50", 40), "CHAOS-B": ("12.00", 30), "CHAOS-C": ("3.25", 60)}
SETTLE_SECONDS = 60.0
RESTART_AFTER = 3.0  # a killed role comes back this long after the kill
REDIS_DOWN = 10.0
TOP_UP = "/api/v1/payments/wallet/top-up/"


class Load:
    """Customers placing and cancelling orders over HTTP, and staff restocking, until stopped."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.stop = threading.Event()
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def call(self, client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response | None:
        """One request; a transport error or a 5xx during a fault is counted, not fatal."""
        try:
            response = client.request(method, path, timeout=15, **kwargs)
        except httpx.HTTPError:
            self.count("transport_errors")
            return None
        if response.status_code >= 500:
            self.count("http_5xx")
        return response

    def login(self, client: httpx.Client, email: str, password: str) -> None:
        while not self.stop.is_set():
            credentials = {"email": email, "password": password}
            response = self.call(client, "POST", "/api/v1/accounts/token/", json=credentials)
            if response is not None and response.status_code == 200:
                client.headers["Authorization"] = f"Bearer {response.json()['access']}"
                return
            time.sleep(0.5)

    def customer(self, n: int) -> None:
        rng = random.Random(n)
        email, password = f"chaos{n}@example.com", f"chaos-password-{n}-long"
        with httpx.Client(base_url=self.base_url) as client:
            credentials = {"email": email, "password": password}
            self.call(client, "POST", "/api/v1/accounts/register/", json=credentials)
            self.login(client, email, password)
            for _ in range(3):
                self.call(client, "POST", TOP_UP, json={"amount": "150.00"})
            orders: list[int] = []
            while not self.stop.is_set():
                roll = rng.random()
                if roll < 0.75 or not orders:
                    items = [
                        {"sku": sku, "quantity": rng.randint(1, 2)}
                        for sku in rng.sample(sorted(SKUS), rng.randint(1, 2))
                    ]
                    response = self.call(
                        client, "POST", "/api/v1/orders/", json={"items": items},
                        headers={"Idempotency-Key": uuid.uuid4().hex},
                    )  # fmt: skip
                    if response is not None and response.status_code == 202:
                        orders.append(response.json()["id"])
                        self.count("orders_accepted")
                elif roll < 0.9:
                    response = self.call(
                        client, "POST", f"/api/v1/orders/{rng.choice(orders)}/cancel/"
                    )
                    if response is not None and response.status_code in (200, 202):
                        self.count("cancels")
                else:
                    response = self.call(client, "POST", TOP_UP, json={"amount": "40.00"})
                if response is not None and response.status_code == 401:
                    self.login(client, email, password)
                time.sleep(rng.uniform(0.5, 1.5))

    def staff(self, email: str, password: str) -> None:
        rng = random.Random(-1)
        with httpx.Client(base_url=self.base_url) as client:
            self.login(client, email, password)
            while not self.stop.wait(2.0):
                sku = rng.choice(sorted(SKUS))
                response = self.call(
                    client, "POST", f"/api/v1/inventory/stock/{sku}/adjust/", json={"delta": 3}
                )
                if response is not None and response.status_code == 200:
                    self.count("restocks")

    def start(self, staff_email: str, staff_password: str) -> None:
        self.threads = [
            threading.Thread(target=self.customer, args=(n,), daemon=True) for n in range(CUSTOMERS)
        ]
        self.threads.append(
            threading.Thread(target=self.staff, args=(staff_email, staff_password), daemon=True)
        )
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def set_up_catalog(cluster: Cluster) -> None:
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        token = client.post(
            "/api/v1/accounts/token/",
            json={
                "email": cluster.env["DJANGO_SUPERUSER_EMAIL"],
                "password": cluster.env["DJANGO_SUPERUSER_PASSWORD"],
            },
        ).json()["access"]
        client.headers["Authorization"] = f"Bearer {token}"
        for sku, (price, stock) in SKUS.items():
            created = client.post(
                "/api/v1/catalog/products/", json={"sku": sku, "name": sku, "price": price}
            )
            assert created.status_code == 201, created.text
            stocked = client.post(f"/api/v1/inventory/stock/{sku}/adjust/", json={"delta": stock})
            assert stocked.status_code == 200, stocked.text


class Faults:
    """The fault schedule, run in this thread; remembers when the last one ended."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.injected: Counter[str] = Counter()
        self.last_ended = time.monotonic()

    def kill(self, role: str) -> None:
        self.cluster.kill_role(role)
        self.injected[f"{role}_kill"] += 1
        time.sleep(RESTART_AFTER)
        self.cluster.start_role(role)

    def redis_outage(self) -> None:
        self.cluster.redis.stop()
        self.injected["redis_stop"] += 1
        time.sleep(REDIS_DOWN)
        self.cluster.redis.start()

    def postgres_restart(self) -> None:
        self.cluster.postgres.stop("immediate")
        self.injected["postgres_restart"] += 1
        self.cluster.postgres.start()

    def run(self, schedule: list[tuple[float, Callable[[], None]]]) -> None:
        for pause, fault in schedule:
            time.sleep(pause)
            fault()
            self.last_ended = time.monotonic()


def listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))


def test_no_order_is_lost_or_charged_twice_when_processes_crash():
    base = Path(tempfile.mkdtemp(prefix="seams-harddelivery-chaos-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    cluster = Cluster(base, PORTS)
    load = Load(cluster.base_url)
    try:
        cluster.start()
        set_up_catalog(cluster)
        load.start(cluster.env["DJANGO_SUPERUSER_EMAIL"], cluster.env["DJANGO_SUPERUSER_PASSWORD"])
        faults = Faults(cluster)
        faults.run(
            [
                (8, lambda: faults.kill("worker")),
                (4, lambda: faults.kill("relay")),
                (6, faults.redis_outage),
                (8, lambda: faults.kill("worker")),
                (4, lambda: faults.kill("relay")),
                (6, faults.postgres_restart),
                (8, lambda: faults.kill("worker")),
                (2, lambda: faults.kill("relay")),
            ]
        )
        time.sleep(3)
        load.finish()
        settled_after = None
        while time.monotonic() - faults.last_ended < SETTLE_SECONDS:
            if not violations_in(cluster.query)["not_terminal"]:
                settled_after = time.monotonic() - faults.last_ended
                break
            time.sleep(1)
        found = violations_in(cluster.query)
        statuses = dict(
            cluster.query(
                "SELECT coalesce(nullif(cancellation_reason, ''), status), count(*) "
                "FROM orders_order GROUP BY 1"
            )
        )
        orders = sum(statuses.values())
        bad = {name: n for name, n in found.items() if n}
        settled = "NEVER" if settled_after is None else f"{settled_after:.1f}s"
        counts = load.counts
        print(
            f"\nchaos: orders={orders} ({listing(statuses)}) accepted={counts['orders_accepted']}"
            f" cancels={counts['cancels']} restocks={counts['restocks']}"
            f" faults={sum(faults.injected.values())} ({listing(faults.injected)})"
            f" http_5xx={counts['http_5xx']} transport_errors={counts['transport_errors']}"
            f" terminal_after_last_fault={settled} violations={sum(bad.values())} {bad or ''}"
        )
        assert orders > 0 and load.counts["orders_accepted"] > 0
        assert not bad, f"violations: {bad} (logs in {cluster.logs})"
    finally:
        load.finish()
        cluster.close()
    shutil.rmtree(base, ignore_errors=True)  # kept for reading when the run failed
