"""What the publisher's side does with a forward the consumer's service does not take: an
unreachable service is retried without limit, a refusal (4xx) dies after the last attempt.
(The handover itself, against a live service: test_cross_service.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from app.kernel.events import forwarding, publish
from app.kernel.events.consumer import Outcome
from app.kernel.events.models import OutboxMessage, OutboxStatus
from app.kernel.ownership import acting_as
from app.kernel.remote.channels import ChannelError
from modules.orders.events import OrderConfirmed, OrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_forward(settings):
    """split's monolith service publishes OrderConfirmed: one forward, to notifications."""
    settings.SEAMS_TOPOLOGY, settings.SEAMS_SERVICE = "split", "monolith"
    settings.SEAMS_EVENTS_MAX_ATTEMPTS = 2
    line = OrderLine(sku="MUG", quantity=1, unit_price=Decimal("2.00"))
    with acting_as("orders"), transaction.atomic():
        publish(
            OrderConfirmed(
                order_id=5, customer_id=7, lines=(line,), total=Decimal("2.00"), currency="EUR"
            )
        )
    return OutboxMessage.objects.get(delivery="forward")


def fail_with(monkeypatch, exc: Exception) -> list[str]:
    paths = []

    def post(service: str, path: str, body: dict) -> None:
        paths.append(f"{service} {path} {len(body['events'])}")
        raise exc

    monkeypatch.setattr(forwarding, "post_to_service", post)
    return paths


def test_an_unreachable_service_is_retried_past_the_last_attempt(one_forward, monkeypatch):
    paths = fail_with(monkeypatch, ChannelError("refused"))
    for _ in range(3):  # more rounds than SEAMS_EVENTS_MAX_ATTEMPTS
        outcomes = forwarding.forward_due(using="default", honour_backoff=False)
        assert outcomes == [Outcome.RETRY]
    assert paths == ["notifications /internal/events/notifications/ 1"] * 3
    one_forward.refresh_from_db()
    assert (one_forward.status, one_forward.attempts) == (OutboxStatus.PENDING, 3)
    assert one_forward.last_error == "ChannelError: refused"


def test_a_refused_forward_is_dead_after_the_last_attempt(one_forward, monkeypatch):
    fail_with(monkeypatch, forwarding.ForwardRefused("notifications answered 404"))
    assert forwarding.forward_due(using="default", honour_backoff=False) == [Outcome.RETRY]
    assert forwarding.forward_due(using="default", honour_backoff=False) == [Outcome.DEAD]
    one_forward.refresh_from_db()
    assert (one_forward.status, one_forward.attempts) == (OutboxStatus.DEAD, 2)
    assert forwarding.forward_due(using="default", honour_backoff=False) == []
