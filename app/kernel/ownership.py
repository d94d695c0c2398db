"""Which module is running now: explicit attribution set at module entry points.

Entry points (views, event handlers, tasks, api functions) enter ``acting_as(name)``;
the data-ownership guard reads ``current_module()`` to decide whose tables SQL may touch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from app.kernel.modules import module_of

_current: ContextVar[str | None] = ContextVar("seams_current_module", default=None)

P = ParamSpec("P")
R = TypeVar("R")


def current_module() -> str | None:
    return _current.get()


@contextmanager
def acting_as(module: str | None) -> Iterator[None]:
    token = _current.set(module)
    try:
        yield
    finally:
        _current.reset(token)


def module_api(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a function in a module's ``api.py`` as public; calls to it run as that module."""
    owner = module_of(func.__module__)

    @functools.wraps(func)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with acting_as(owner):
            return func(*args, **kwargs)

    return call
