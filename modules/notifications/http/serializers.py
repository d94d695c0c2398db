"""Response shapes of the notifications HTTP API."""

from rest_framework import serializers

from modules.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ("id", "kind", "order_id", "message", "created_at")
        read_only_fields = fields
