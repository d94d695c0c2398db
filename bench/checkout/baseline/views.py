from django.db import transaction
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from app.kernel.http.parsing import customer_id
from bench.checkout.baseline.models import Row


class InsertView(APIView):
    """POST: one INSERT in one transaction, 201 with the row's id (DRF defaults otherwise)."""

    def post(self, request):
        note = request.data.get("note", "") if isinstance(request.data, dict) else ""
        with transaction.atomic():
            row = Row.objects.create(customer_id=customer_id(request), note=str(note)[:64])
        return Response({"id": row.pk}, status=status.HTTP_201_CREATED)
