"""The API answers in JSON, whatever DEBUG says: an unexpected error is logged and the client gets
``{"error": …}``, never Django's debug page with the settings."""

from __future__ import annotations

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            reason = {404: "no such endpoint", 405: "method not allowed"}.get(
                response.status_code, response.reason_phrase.lower()
            )
            return JsonResponse({"error": reason}, status=response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Django answers these with a 4xx itself; the JSON body is added on the way out.
        if not request.path.startswith(API_PREFIX) or isinstance(
            exception, SuspiciousOperation | BadRequest | PermissionDenied | Http404
        ):
            return None
        logger.exception("unexpected error on %s", request.path)
        return JsonResponse(
            {"error": "the server could not handle this request; the error was logged"}, status=500
        )
