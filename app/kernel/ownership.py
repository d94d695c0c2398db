"""Which module is running now: explicit attribution set at module entry points.

The data-ownership guard (:mod:`app.kernel.boundaries.guard`) reads :func:`current_module` to
decide whose tables SQL may touch. Attribution is explicit and cheap (a ``ContextVar``), never
stack inspection. Every entry point into a module's code enters ``acting_as(module)``:

- api functions: decorate every public function in ``api.py`` with ``@module_api``
  (``@module_api(idempotent=True)`` when calling it twice has the effect of calling it once:
  only those are retried when bound remotely). The decorator also binds the call: a function
  call when the module lives in the caller's service, an HTTP call to the hosting service
  when not (:mod:`app.kernel.remote`; the topology decides, per call);
- HTTP views: ``app.kernel.boundaries.middleware.ModuleAttributionMiddleware`` attributes a
  request to the module whose package defines the resolved view;
- event handlers: the bus runs each handler inside ``acting_as(<subscriber>)``;
- Celery tasks: the Celery app's base task class (``app.kernel.events.celery_config.ModuleTask``)
  runs every task defined under ``modules/<name>/`` as ``<name>``; ``@module_task`` (a
  ``shared_task`` that also enters ``acting_as`` itself, so it holds under any task class)
  adds the naming convention::

      from app.kernel.ownership import module_task

      @module_task                                   # name "notifications.notification_send"
      def notification_send(notification_id: int) -> None: ...

      @module_task(bind=True, max_retries=5)         # any shared_task option
      def saga_timeout(self, order_id: int) -> None: ...

  The task's default name is ``"<module>.<function>"`` (override with ``name=``); Celery's
  ``task_routes`` (built from the manifests in ``app/celery.py``) send it to the module's
  queue, not a task attribute (deprecated in Celery 5).
- anything else (management commands, scripts, tests): ``with acting_as("orders"): ...``.

A module acts only as itself: ``acting_as`` called from code under ``modules.<name>`` for any
other module, or for no module, raises :class:`ModuleImpersonation`. The caller is the frame
that called ``acting_as`` (one ``sys._getframe`` read, no stack walk); the kernel, scripts and
tests may act as any module. Python threads start with an empty context, so a thread started
by module code would run as no module (unchecked): module code starts threads as
:class:`ModuleThread` (``tests/architecture/test_guard_escapes.py`` fails on any other way).
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from celery import shared_task

from app.kernel.modules import module_of
from app.kernel.observability import metrics
from app.kernel.observability.tracing import module_span
from app.kernel.remote import binding

# The attribution itself. Entry points use acting_as/module_api/module_task; kernel hot paths
# (the guard, the attribution middleware, sync dispatch) set and read the variable directly.
CURRENT_MODULE: ContextVar[str | None] = ContextVar("seams_current_module", default=None)

P = ParamSpec("P")
R = TypeVar("R")

MODULE_API_MARKER = "__seams_module_api__"


def current_module() -> str | None:
    """The module whose code is running, or ``None`` outside any module (kernel, admin)."""
    return CURRENT_MODULE.get()


class ModuleImpersonation(PermissionError):
    """Code of one module asked to act as another module (or as no module)."""


def acting_as(module: str | None) -> contextlib.AbstractContextManager[None]:
    """Run the block as ``module`` (``None``: as no module); nests and restores.

    Raises :class:`ModuleImpersonation` when called from a module's code for anything but
    that module.
    """
    caller = module_of(sys._getframe(1).f_globals.get("__name__", ""))
    if caller is not None and module != caller:
        wanted = f"as module {module!r}" if module else "as no module"
        raise ModuleImpersonation(
            f"code of module {caller!r} asked to act {wanted} (rule: a module acts only as "
            "itself). Fix: call the other module's api (modules.<other>.api), which runs as "
            "that module."
        )
    return _acting_as(module)


@contextlib.contextmanager
def _acting_as(module: str | None) -> Iterator[None]:
    token = CURRENT_MODULE.set(module)
    try:
        yield
    finally:
        CURRENT_MODULE.reset(token)


class ModuleThread(threading.Thread):
    """``threading.Thread`` for module code: the thread runs as the module that started it.

    A plain thread starts with an empty context and so as no module (unchecked by the
    ownership guard); this one carries the attribution current at ``start()`` (only that:
    Python 3.14's ``thread_inherit_context`` would copy the whole context).
    """

    def start(self) -> None:
        self._seams_module = CURRENT_MODULE.get()
        super().start()

    def run(self) -> None:
        CURRENT_MODULE.set(self._seams_module)  # this thread's own context: nothing to reset
        super().run()


def module_api(func: Callable[P, R] | None = None, /, *, idempotent: bool = False) -> Any:
    """Mark a function in a module's ``api.py`` as public; calls to it run as that module.

    Usable bare (``@module_api``) or with options (``@module_api(idempotent=True)``). At
    each call: remote binding when the topology puts the module in another service than
    the caller's; else the function runs here, through the wire format both ways when
    ``settings.SEAMS_API_STRICT`` is on. Every call is counted and timed per module, function
    and delivery (``sync`` here, ``remote``); a local one runs in a module-entry span (a
    remote one gets its span in the callee's service).
    """

    def decorate(body: Callable[P, R]) -> Callable[P, R]:
        owner = module_of(body.__module__)
        name = body.__name__
        function = (
            None if owner is None else binding.ApiFunction(owner, body.__name__, body, idempotent)
        )
        if function is not None:
            binding.define(function)

        @functools.wraps(body)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            if function is not None and binding.is_remote(CURRENT_MODULE.get(), owner):
                with metrics.api_call(owner or "", name, "remote"):
                    return function.call_remote(args, kwargs)
            token = CURRENT_MODULE.set(owner)
            try:
                with (
                    module_span(owner or "", "api", name, "sync"),
                    metrics.api_call(owner or "", name, "sync"),
                ):
                    if function is not None and binding.strict():
                        return function.call_strict(args, kwargs)
                    return body(*args, **kwargs)
            finally:
                CURRENT_MODULE.reset(token)

        setattr(call, MODULE_API_MARKER, owner)
        setattr(call, binding.API_FUNCTION, function)
        return call

    return decorate(func) if func is not None else decorate


def is_module_api(obj: object) -> bool:
    return getattr(obj, MODULE_API_MARKER, None) is not None


def module_task(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """``shared_task`` for a module's ``tasks.py``: the task body runs as its module.

    Usable bare (``@module_task``) or with Celery task options (``@module_task(bind=True)``).
    Every run is counted and timed, in a module-entry span (delivery ``async``) under the
    Celery instrumentation's task span.
    """

    def decorate(body: Callable[..., Any]) -> Any:
        owner = module_of(body.__module__)
        if owner is None:
            raise TypeError(f"@module_task is for tasks in modules.<name>; got {body.__module__}")

        name = body.__name__

        @functools.wraps(body)
        def run(*args: Any, **kwargs: Any) -> Any:
            token = CURRENT_MODULE.set(owner)
            try:
                with module_span(owner, "task", name, "async"), metrics.task_run(owner, name):
                    return body(*args, **kwargs)
            finally:
                CURRENT_MODULE.reset(token)

        options.setdefault("name", f"{owner}.{name}")
        return shared_task(**options)(run)

    return decorate(func) if func is not None else decorate
