"""Django's Redis cache backend, with one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the pool for
every cache operation, and redis-py's ``Redis.__init__`` rebuilds its table of ~170 response
callbacks each time (redis/redis-py#3624): on this machine 70-95 µs of CPU per operation,
most of a throttle check's cost (a read and a write per API request, ADR 0023). A
``redis.Redis`` holds no connection of its own (each command borrows one from the pool,
which redis-py resets after a fork), so one per pool serves every thread and operation.

``settings.CACHES`` names :class:`RedisCache` wherever the cache is Redis; everything else
(serialisation, timeouts, key handling, errors) is Django's.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    """Django's client, keeping the ``redis.Redis`` it makes for each pool."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # Django's choice of server, and its pools
        client = self._clients.get(id(pool))  # pools live as long as this client: ids hold
        if client is None:
            with self._clients_lock:
                client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` on :class:`RedisCacheClient`."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
