"""``POST /internal/events/<module>/``: forwarded events in, for a module hosted here.

Signed requests only (:func:`app.kernel.remote.server.internal_only`); never routed from the
public edge. 200 ``{"recorded": n}`` once the batch is in the module's outbox (a second
forward of the same events records nothing new); 400 for a batch that does not parse; 404
when the module is not hosted here or lacks a handler for one of its events (the publisher
keeps the rows and retries).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from pydantic import ValidationError

from app.kernel.events.receiving import ForwardedBatch, NotConsumedHere, receive
from app.kernel.http.problems import problem_response
from app.kernel.remote.server import internal_only


@internal_only
def receive_view(request: HttpRequest, module: str) -> HttpResponse:
    if request.method != "POST":
        response = problem_response(request, 405, code="method-not-allowed")
        response["Allow"] = "POST"
        return response
    try:
        batch = ForwardedBatch.model_validate_json(request.body)
    except ValidationError as exc:
        return problem_response(
            request,
            400,
            code="validation-error",
            title="Your request is not valid.",
            detail=f"Not a batch of forwarded events: {exc.error_count()} error(s).",
        )
    try:
        recorded = receive(module, batch.events)
    except NotConsumedHere as exc:
        return problem_response(request, 404, code="not-found", title="Not found.", detail=str(exc))
    return JsonResponse({"recorded": recorded})
