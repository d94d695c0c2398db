"""Attribute each HTTP request to the module whose view handles it.

Place ``app.kernel.boundaries.middleware.ModuleAttributionMiddleware`` in ``MIDDLEWARE``
(after the authentication middleware). Once URL resolution picked a view, the request runs
``acting_as(<module of the view>)`` until the response is returned: ``modules.orders.http.views``
runs as ``orders``; views outside ``modules.*`` (admin, health, schema) run as no module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from app.kernel.modules import module_of
from app.kernel.ownership import CURRENT_MODULE

_TOKEN = "_seams_acting_as_token"  # noqa: S105 (an attribute name)


def view_module(view_func: Callable[..., Any]) -> str | None:
    """The module defining a resolved view (function, class-based view or DRF viewset)."""
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    target = view_class if view_class is not None else view_func
    return module_of(getattr(target, "__module__", "") or "")


class ModuleAttributionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            token = request.__dict__.pop(_TOKEN, None)
            if token is not None:
                CURRENT_MODULE.reset(token)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        module = view_module(view_func)
        if module is not None and _TOKEN not in request.__dict__:
            request.__dict__[_TOKEN] = CURRENT_MODULE.set(module)
        return None
