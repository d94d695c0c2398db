"""Remote binding of module apis: one typed definition, called in process or over HTTP.

A function in a module's ``api.py`` decorated with ``@module_api``
(:mod:`app.kernel.ownership`) is a plain function call when its module lives in the
caller's service, and a signed HTTP call to the service hosting it when not; callers never
change. The topology decides (:func:`app.kernel.topology.is_remote`), per call.

- :mod:`.codec`: arguments and results as JSON, validated against the function's type hints;
  typed errors (exception classes of the module's ``api.py``) cross as themselves;
- :mod:`.binding`: the registry of api functions and the local, strict-local and remote calls;
- :mod:`.client`: pooled keep-alive HTTP, timeouts, retries (idempotent functions only), a
  circuit breaker and a concurrency bound per remote module;
- :mod:`.server`: the internal endpoint ``POST /internal/api/<module>/<function>/``, a WSGI
  application answered before Django's request handler (ADR 0022);
- :mod:`.handler`: the service's WSGI application: module api calls to that endpoint, the
  other ``/internal/`` paths (event deliveries) to a lean Django handler;
- :mod:`.signing`: HMAC request signatures between services (rotating keys);
- :mod:`.contracts`: each module's api as a committed JSON schema (``contracts/api/``);
- :mod:`.checks`: system checks ``seams.E012`` (keyword-only, wire-able signatures) and
  ``seams.E013`` (DTOs are frozen dataclasses).

A remote call that cannot be completed raises :class:`RemoteCallFailed`; arguments or
results that do not fit the declared types raise :class:`ApiContractError`. Strict local
mode (``settings.SEAMS_API_STRICT``, on outside production) sends every local call through
the same validation and JSON round trip, so what passes locally passes remotely.
"""

from app.kernel.remote.errors import ApiContractError, RemoteCallFailed

__all__ = ("ApiContractError", "RemoteCallFailed")
