"""Every error under /api/ is JSON: `{"status": 404, "detail": "…"}`, plus `"errors"` (each
parameter's messages) when the request's values were refused. No HTML error page reaches a
script, whether DRF raised the error or Django's URL resolver did."""

from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def exception_handler(exc, context):
    """DRF's handler, with one body shape for every error."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"request": exc.detail}
        body = error_body(response.status_code, "Some values were refused.", errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body = error_body(response.status_code, str(detail))
    response.data = body
    return response


def error_body(status_code, detail, errors=None):
    body = {"status": status_code, "detail": detail}
    if errors is not None:
        body["errors"] = {
            str(name): [str(message) for message in _messages(value)]
            for name, value in errors.items()
        }
    return body


def _messages(value):
    if isinstance(value, dict):
        return [m for inner in value.values() for m in _messages(inner)]
    if isinstance(value, (list, tuple)):
        return [m for inner in value for m in _messages(inner)]
    return [value]


def _is_api(request):
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception, template_name="400.html"):
    """A request Django refused (a bad host header, a malformed upload…): our page, or JSON.
    The page uses nothing of the request but its id: its host may be the bad part."""
    if _is_api(request):
        return JsonResponse(error_body(400, "Bad request."), status=400)
    page = loader.get_template(template_name).render(
        {"request_id": getattr(request, "request_id", "")}
    )
    return HttpResponseBadRequest(page)


def permission_denied(request, exception, template_name="403.html"):
    if _is_api(request):
        return JsonResponse(error_body(403, "Forbidden."), status=403)
    return render(request, template_name, status=403)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    """A form sent without its CSRF token (an expired page, cookies off): why, and what to do."""
    if _is_api(request):
        return JsonResponse(error_body(403, "CSRF check failed."), status=403)
    return render(request, template_name, status=403)


def page_not_found(request, exception, template_name="404.html"):
    """Our 404 page, or JSON for an address under /api/ that matches no endpoint."""
    if _is_api(request):
        return JsonResponse(error_body(404, "Not found."), status=404)
    return render(request, template_name, status=404)


def server_error(request, template_name="500.html"):
    """A page that needs nothing that may have failed (no database, no context processors),
    with the request id to quote."""
    if _is_api(request):
        body = error_body(500, "Server error.")
        body["request_id"] = getattr(request, "request_id", "")
        return JsonResponse(body, status=500)
    page = loader.get_template(template_name).render(
        {"request_id": getattr(request, "request_id", "")}
    )
    return HttpResponseServerError(page)


# How long a client should wait before sending a refused write again (Retry-After, seconds).
STORAGE_FULL_RETRY_AFTER = 120


def storage_full(request, template_name="503.html"):
    """A write refused because the disk (or the database's space) is full: 503, so the writer
    knows to send it again later. Like the 500 page, it needs nothing that may have failed."""
    request_id = getattr(request, "request_id", "")
    if _is_api(request):
        body = error_body(
            503,
            "The server cannot write just now: its storage is full. Nothing was saved; "
            "send the same request again in a few minutes.",
        )
        body["request_id"] = request_id
        response = JsonResponse(body, status=503)
    else:
        page = loader.get_template(template_name).render({"request_id": request_id})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(STORAGE_FULL_RETRY_AFTER)
    return response
