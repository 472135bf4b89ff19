"""What every endpoint shares: the language of the answer, the scope it needs, and the check
of a body with the pages' own form."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView


def requested_language(header: str) -> str:
    """``Accept-Language``'s first supported language; Arabic when none (the portal's
    default). Only ``ar`` and ``en`` exist, so the weights are not needed to choose."""
    for part in header.split(","):
        language = part.split(";")[0].strip().lower()[:2]
        if language in {"ar", "en"}:
            return language
    return "ar"


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
        return response


def form_data(form: forms.Form) -> dict[str, Any]:
    """The cleaned data of a page's form filled from the body, or 400 with its messages."""
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form.cleaned_data
