"""The pages of API clients: a manager's of their organisation's, a ministry administrator's
of the ministry's. The same pages, services and template on both sides (``Side``): the list,
create, rotate, revoke.

Only after the second factor (``accounts.permissions.require_personal_data``): a token opens
the case files, or the ministry's figures. A token is shown once, on the page that answers its
creation or rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from api.services import (
    MINISTRY_CLIENTS_CAPABILITY,
    api_client_create,
    api_client_revoke,
    api_token_rotate,
)
from api.tokens import ROTATION_OVERLAP, TOKEN_LIFETIME
from charities.views.common import organisation_of


@dataclass(frozen=True)
class Side:
    """Whose clients a set of pages manages: who may open them, and their addresses."""

    capability: Capability
    ministry: bool
    #: URL names (namespace ``api``) of the list and of each action.
    urls: dict[str, str]


CHARITY = Side(
    capability=Capability.MANAGE_STAFF,
    ministry=False,
    urls={
        "list": "api:clients",
        "create": "api:client_create",
        "rotate": "api:client_rotate",
        "revoke": "api:client_revoke",
    },
)
MINISTRY = Side(
    capability=MINISTRY_CLIENTS_CAPABILITY,
    ministry=True,
    urls={
        "list": "api:ministry_clients",
        "create": "api:ministry_client_create",
        "rotate": "api:ministry_client_rotate",
        "revoke": "api:ministry_client_revoke",
    },
)


def _page(
    request: AuthenticatedHttpRequest, side: Side, form: ApiClientForm, status: int = 200
) -> HttpResponse:
    context = {
        "organisation": None if side.ministry else organisation_of(request),
        "ministry": side.ministry,
        "urls": side.urls,
        "clients": selectors.clients_for_manager(request.user),
        "form": form,
        "lifetime_days": TOKEN_LIFETIME.days,
    }
    return render(request, "api/clients.html", context, status=status)


def _token_page(
    request: AuthenticatedHttpRequest, side: Side, client: object, value: str
) -> HttpResponse:
    context = {
        "client": client,
        "token": value,
        "urls": side.urls,
        "overlap_minutes": int(ROTATION_OVERLAP.total_seconds() // 60),
    }
    response = render(request, "api/token.html", context)
    response["Cache-Control"] = "no-store"
    return response


View = Callable[..., HttpResponse]


def views_of(side: Side) -> tuple[View, View, View, View]:
    """The list, create, rotate and revoke views of one side."""

    @require_GET
    @require_capability(side.capability)
    @require_personal_data
    def clients(request: AuthenticatedHttpRequest) -> HttpResponse:
        return _page(request, side, ApiClientForm(ministry=side.ministry))

    @require_POST
    @require_capability(side.capability)
    @require_personal_data
    def client_create(request: AuthenticatedHttpRequest) -> HttpResponse:
        form = ApiClientForm(request.POST, ministry=side.ministry)
        if not form.is_valid():
            return _page(request, side, form, status=400)
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
            return _page(request, side, form, status=400)
        return _token_page(request, side, client, value)

    @require_POST
    @require_capability(side.capability)
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
            return redirect(side.urls["list"])
        return _token_page(request, side, client, value)

    @require_POST
    @require_capability(side.capability)
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
        return redirect(side.urls["list"])

    return clients, client_create, client_rotate, client_revoke


clients, client_create, client_rotate, client_revoke = views_of(CHARITY)
(
    ministry_clients,
    ministry_client_create,
    ministry_client_rotate,
    ministry_client_revoke,
) = views_of(MINISTRY)
