"""Notifications endpoint: a customer's own notifications, newest first."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from app.kernel.http.parsing import customer_id
from app.kernel.http.schema import problem_responses
from modules.notifications import selectors
from modules.notifications.http.serializers import NotificationSerializer


class NotificationListView(generics.ListAPIView):
    permission_classes = (IsAuthenticated,)
    serializer_class = NotificationSerializer

    def get_queryset(self):
        return selectors.notifications_for(customer_id=customer_id(self.request))

    @extend_schema(
        summary="Your notifications, newest first",
        responses={200: NotificationSerializer(many=True), **problem_responses(401, 404, 429)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
