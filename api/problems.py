"""Errors as problem documents (RFC 9457, ``application/problem+json``).

Every error of the API has ``type``, ``title``, ``status``, ``detail`` and a stable ``code``:
the snake-case name of the domain error (``NoLongerOpen`` → ``no_longer_open``) or DRF's code
(``not_authenticated``, ``permission_denied``, ``not_found``, ``throttled``, …). ``detail`` is
the message the page shows for the same refusal, in the request's language; a form's errors
come as ``errors`` (field → messages).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from config.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE = "urn:musaada:problem:"

#: Domain errors that mean "not for you" rather than "not now".
FORBIDDEN_ERRORS = {"not_allowed", "second_factor_required", "client_not_allowed"}


def error_code(error: DomainError) -> str:
    """The stable code of a domain error: its class name in snake case."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def titles() -> dict[int, str]:
    return {
        400: _("The request is not valid."),
        401: _("Authentication is required."),
        403: _("Not allowed."),
        404: _("Not found."),
        405: _("Method not allowed."),
        406: _("Not acceptable."),
        409: _("The action was refused."),
        415: _("Unsupported media type."),
        422: _("The request cannot be processed."),
        429: _("Too many requests."),
    }


def problem(status_code: int, code: str, detail: str, **extra: Any) -> Response:
    body = {
        "type": PROBLEM_TYPE + code,
        "title": titles().get(status_code, _("Error")),
        "status": status_code,
        "detail": detail,
        "code": code,
        **extra,
    }
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def _messages(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) for item in detail]
    return [str(detail)]


#: The translated detail of DRF's own errors (its messages are English-only in places).
def _details() -> dict[str, str]:
    return {
        "not_authenticated": _("Send a token: Authorization: Bearer <token>."),
        "permission_denied": _("You do not have permission to do this."),
        "not_found": _("Not found."),
        "throttled": _("Too many calls: wait a little and try again."),
    }


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every error the API knows becomes a problem document."""
    if isinstance(exc, DomainError):
        code = error_code(exc)
        status_code = 403 if code in FORBIDDEN_ERRORS else 409
        return problem(status_code, code, str(exc.message))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's 500, logged
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else "invalid"
    if isinstance(exc, exceptions.ValidationError):
        response = problem(
            status.HTTP_400_BAD_REQUEST,
            "invalid",
            _("Some fields are not valid."),
            errors=_messages(exc.detail),
        )
    else:
        default = str(exc.detail) if isinstance(exc.detail, str) else _("Error")
        detail = _details().get(code, default)
        if code == "missing_scope":
            detail = default
        response = problem(exc.status_code, code, detail)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:  # set by APIView.handle_exception on a 401
        response["WWW-Authenticate"] = auth_header
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response
