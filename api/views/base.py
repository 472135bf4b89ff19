"""What every endpoint shares: the language of the answer, the scope it needs, and the check
of a body with the pages' own form."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from api.models import ApiToken
from audit.services import audit_record, client_ip


def requested_language(header: str) -> str:
    """The supported language ``Accept-Language`` prefers (by its weights); Arabic, the
    portal's default, when it names neither ``ar`` nor ``en``."""
    choices = []
    for position, part in enumerate(header.split(",")):
        language, _sep, params = part.partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        code = language.strip().lower()[:2]
        if code in {"ar", "en"} and weight > 0:
            choices.append((-weight, position, code))
    return min(choices)[2] if choices else "ar"


class ApiView(APIView):
    """Base of every endpoint: Bearer token, the view's scope, the client's limit."""

    required_scopes: ClassVar[tuple[str, ...]] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        translation.activate(requested_language(request.headers.get("Accept-Language", "")))
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = translation.get_language()
        patch_vary_headers(response, ("Accept-Language", "Authorization"))
        call_audit(request, response.status_code)
        return response


def call_audit(request: Request, status: int) -> None:
    """One audit entry per call of a client (whatever its answer), the client's service
    account as actor: an anonymous call or an unknown token has no client, and is not recorded.

    One append to the trail, in its own transaction after the endpoint's (a write's own entry,
    inside the service's transaction, says what changed; this one says who called what).
    """
    token = getattr(request, "_auth", None)  # read without authenticating again
    if not isinstance(token, ApiToken):
        return
    client = token.client
    audit_record(
        actor=client.user,
        action="api.called",
        target=client,
        organisation_id=client.organisation_id,
        data={
            "client_id": client.pk,
            "client": client.name,
            "method": request.method,
            "path": request.path,
            "status": status,
        },
        ip_address=client_ip(request),
    )


def body(request: Request) -> dict[str, Any]:
    """The JSON body as a page's form reads it: an object of plain values (a string, a number,
    true/false or null per field); anything else is refused (400)."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    if any("\x00" in key for key in data):
        # A key is echoed in the answer, which PostgreSQL could not store (idempotency).
        raise ValidationError({"non_field_errors": [ProhibitNullCharactersValidator.message]})
    nested = [key for key, value in data.items() if isinstance(value, dict | list)]
    if nested:
        raise ValidationError({key: [_("Send a single value.")] for key in nested})
    return {key: "" if value is None else value for key, value in data.items()}


def form_data(form: forms.Form) -> dict[str, Any]:
    """The cleaned data of a page's form filled from the body, or 400 with its messages."""
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form.cleaned_data
