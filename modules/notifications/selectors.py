"""Reads of the notifications module."""

from django.db.models import QuerySet

from modules.notifications.models import Notification


def notifications_for(*, customer_id: int) -> QuerySet[Notification]:
    """A customer's own notifications, newest first."""
    return Notification.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")
