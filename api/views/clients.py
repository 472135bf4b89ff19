"""A manager's pages of their organisation's API clients: the list, create, rotate, revoke.

Only after the second factor (``accounts.permissions.require_personal_data``): a token opens
the case files. A token is shown once, on the page that answers its creation or rotation.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import (
    Capability,
    require_capability,
    require_personal_data,
    second_factor_passed,
)
from api import selectors
from api.exceptions import ApiError
from api.forms import ApiClientForm
from api.services import api_client_create, api_client_revoke, api_token_rotate
from api.tokens import ROTATION_OVERLAP, TOKEN_LIFETIME
from charities.views.common import organisation_of


def _page(
    request: AuthenticatedHttpRequest, form: ApiClientForm, status: int = 200
) -> HttpResponse:
    context = {
        "organisation": organisation_of(request),
        "clients": selectors.clients_for_manager(request.user),
        "form": form,
        "lifetime_days": TOKEN_LIFETIME.days,
    }
    return render(request, "api/clients.html", context, status=status)


def _token_page(request: AuthenticatedHttpRequest, client: object, value: str) -> HttpResponse:
    context = {
        "client": client,
        "token": value,
        "overlap_minutes": int(ROTATION_OVERLAP.total_seconds() // 60),
    }
    response = render(request, "api/token.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def clients(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, ApiClientForm())


@require_POST
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiClientForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        client, value = api_client_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            rate_limit=form.cleaned_data["rate_limit"],
            second_factor_passed=second_factor_passed(request),
        )
    except ApiError as error:
        form.add_error(error.field, str(error.message))
        return _page(request, form, status=400)
    return _token_page(request, client, value)


@require_POST
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def client_rotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_manager(request.user, pk)
    try:
        _token, value = api_token_rotate(
            actor=request.user,
            client_id=client.pk,
            second_factor_passed=second_factor_passed(request),
        )
    except ApiError as error:
        messages.error(request, error.message)
        return redirect("api:clients")
    return _token_page(request, client, value)


@require_POST
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def client_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_manager(request.user, pk)
    try:
        api_client_revoke(
            actor=request.user,
            client_id=client.pk,
            second_factor_passed=second_factor_passed(request),
        )
    except ApiError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The client is revoked: its tokens no longer work."))
    return redirect("api:clients")
