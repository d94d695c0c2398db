"""Throttle classes: 429 with ``Retry-After`` (DRF adds the header), counted in the cache.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (env ``THROTTLE_USER``,
``THROTTLE_ANON``, ``THROTTLE_AUTH``) and are read at request time, so a settings override
takes effect without re-importing. Counters live in Django's default cache: Redis when
``CACHE_URL`` (by default REDIS_URL's database + 1) is set, hence shared by every gunicorn
worker and host.

- :class:`CustomerRateThrottle` (scope ``user``): per authenticated customer id.
- :class:`AnonymousRateThrottle` (scope ``anon``): per client address, anonymous requests.
- :class:`AuthRateThrottle` (scope ``auth``): per client address and endpoint on
  register/login/refresh, whoever is calling; tighter, to slow credential stuffing.

DRF documents throttling as a fairness control, not a security boundary; so when the cache
does not answer (Redis down), a request is let through, with a warning, rather than failed
with a 500: the API stays up through a cache outage, unthrottled (``/readyz/`` reports the
cache; docs/decisions/0019-throttle-identity-and-outages.md).
"""

from __future__ import annotations

import redis
import structlog
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

log = structlog.get_logger("seams.throttle")


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:  # the counters' cache is down: fail open
            log.warning(
                "throttle: cache unavailable, request let through",
                scope=self.scope,
                error=str(exc),
            )
            return True


class CustomerRateThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonymousRateThrottle(_SettingsRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthRateThrottle(_SettingsRateThrottle):
    """One bucket per client address *and* endpoint (register, login, refresh each)."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str | None:
        ident = f"{type(view).__name__}:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
