"""Idempotency-Key for POST endpoints, with Stripe's semantics.

(This package imports nothing at load time: it is a Django app, loaded before models.)

Usage (shop-b wires it on ``POST /api/v1/orders/``)::

    from app.kernel.idempotency.decorators import idempotent

    class OrderListView(APIView):
        @idempotent
        def post(self, request):
            ...                    # parse, call one service, return Response(..., status=202)

``@idempotent`` decorates a DRF view *method* ``(self, request, *args, **kwargs)``. Requests
without the ``Idempotency-Key`` header run as usual. With it:

- The key must be 1-255 printable ASCII characters, else a 400 problem.
- Keys are scoped per caller: ``customer:<id>`` for an authenticated request
  (``anon`` otherwise; pass ``@idempotent(scope=callable)`` to change it).
- First use: a row ``in_flight`` is inserted and committed (a unique constraint on
  ``(scope, key)`` makes exactly one concurrent request win), then the view runs inside
  ``transaction.atomic()`` and, in the *same* transaction, the row becomes ``done`` with
  the response's status and body. A crash mid-request therefore rolls back the work and
  the completion together, so nothing is done twice.
- Same key, same fingerprint (method, path, JSON body compared after parsing), done: the
  stored response is replayed (status and body, header ``Idempotent-Replayed: true``) and
  the view does not run, so nothing new is created.
- Same key, different fingerprint: 422 problem. Same key still in flight: 409 problem with
  ``Retry-After: 1``.
- The view raised, or answered 4xx/5xx: the key is released (row deleted), so the client
  may retry, with the same key, a corrected or repeated request. (As in Stripe, a request
  that fails validation saves no result; our views change nothing when they answer 4xx.)
- An ``in_flight`` row older than ``SEAMS_IDEMPOTENCY_LOCK_SECONDS`` (60 s; its process
  died, its work rolled back) may be taken over by the next request with that key.
- Rows live ``SEAMS_IDEMPOTENCY_TTL_HOURS`` (24 h) at least; ``manage.py idempotency prune``
  or the Celery task ``idempotency.prune`` deletes older ones. A key reused after pruning
  is a new request.
"""
