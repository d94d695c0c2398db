"""HTTP conventions every module's views share (the API edge).

- :mod:`app.kernel.http.problems`: RFC 9457 problem details for every DRF and Django error
  (``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` and ``handler400/403/404/500`` in ``app/urls.py``).
- :mod:`app.kernel.http.pagination`: ``{count, next, previous, results}`` with bounded page size.
- :mod:`app.kernel.http.throttles`: per-customer, anonymous and ``auth`` rates, read from
  ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` at request time, counted in the default cache
  (Redis, CACHE_URL, when ``REDIS_URL`` is set, so shared by every worker).
- :mod:`app.kernel.http.parsing`: ``StrictSerializer`` (unknown fields are a 400),
  ``customer_id(request)``, and the ``<id:...>`` path converter (no 500 on huge ids).

Views raise DRF exceptions (``ValidationError``, ``NotFound``, ``PermissionDenied``); the
exception handler turns them into ``application/problem+json``. See docs/api.md.
"""
