"""One boundary for input no field can store: a NUL byte or an unpaired surrogate in any query
string or form field, a Content-Length that is not a number, more parameters than Django takes.
Such a request gets a 400 with the reason (JSON on the API) before any view runs, instead of a
database error deep inside one."""

from __future__ import annotations

import re

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

API_PREFIX = "/api/"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def unstorable(text: str) -> str:
    """Why ``text`` cannot be stored ("" when it can)."""
    match = _UNSTORABLE.search(text)
    if match is None:
        return ""
    return (
        "a NUL character (%00)"
        if match.group(0) == "\x00"
        else "an unpaired UTF-16 surrogate (not valid Unicode)"
    )


class RefuseUnstorableInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = self._problem(request)
        if reason:
            return self._refuse(request, reason)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str:
        length = request.META.get("CONTENT_LENGTH") or ""
        if length and not re.fullmatch(r"[0-9]{1,12}", length.strip()):
            return "the Content-Length header is not a number of bytes"
        try:
            fields = [("query string", request.GET)]
            content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            # The API reads its own bodies (JSON, raw e-mail) and checks them itself; a form body
            # read here would be gone for it.
            if request.method == "POST" and content_type in _FORMS:
                if not request.path.startswith(API_PREFIX):
                    fields.append(("form", request.POST))
        except TooManyFieldsSent:
            return "the request has more than 1,000 parameters"
        except RequestDataTooBig:
            return "the request body is too large"
        for where, data in fields:
            for key, values in data.lists():
                for text in (key, *values):
                    why = unstorable(text)
                    if why:
                        return f"the {where} field {key[:40]!r} contains {why}"
        return ""

    def _refuse(self, request: HttpRequest, reason: str) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"error": reason}, status=400)
        return render(request, "400.html", {"reason": reason}, status=400)
