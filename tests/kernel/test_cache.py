"""The Redis cache backend (ADR 0023): Django's, keeping one ``redis.Redis`` client per
connection pool instead of building one per operation."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient

pytestmark = pytest.mark.redis


@pytest.fixture
def cache(settings):
    assert settings.CACHES["default"]["BACKEND"] == "app.kernel.cache.RedisCache"
    backend = caches.create_connection("default")  # its own pools and client
    yield backend
    backend.close()


def key() -> str:
    return f"seams-test-cache:{uuid.uuid4().hex}"


def test_every_operation_goes_through_one_client_and_the_cache_behaves(cache):
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client
    # what it saves: Django's own client builds a new redis.Redis for each operation
    django_client = DjangoRedisCacheClient(cache._cache._servers)
    assert django_client.get_client() is not django_client.get_client()
    name, counter = key(), key()
    cache.set(name, {"sku": "MUG", "on_hand": 3}, 30)
    assert cache.get(name) == {"sku": "MUG", "on_hand": 3}
    assert cache.add(name, "other", 30) is False
    cache.set(counter, 1, 30)
    assert cache.incr(counter, 4) == 5
    cache.delete_many([name, counter])
    assert cache.get_many([name, counter]) == {}
    assert cache._cache.get_client() is client


def test_threads_share_the_client_and_each_sees_its_own_values(cache):
    failures: list[str] = []

    def work(thread: int) -> None:
        for n in range(100):
            name = f"{key()}:{thread}:{n}"
            cache.set(name, (thread, n), 30)
            if cache.get(name) != (thread, n):
                failures.append(name)
            cache.delete(name)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_a_forked_child_uses_the_cache_on_connections_of_its_own(cache):
    """gunicorn and Celery fork after the parent may have used the cache: the child's
    commands must not share the parent's sockets (redis-py's pool resets after a fork)."""
    parent, child = key(), key()
    cache.set(parent, "from the parent", 30)  # the parent's pool now holds a connection
    pid = os.fork()
    if pid == 0:  # the child: exit code says what it saw
        try:
            ok = cache.get(parent) == "from the parent"
            cache.set(child, "from the child", 30)
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert cache.get(child) == "from the child"
    assert cache.get(parent) == "from the parent"
    cache.delete_many([parent, child])
