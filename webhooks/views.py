"""A manager's pages of their organisation's webhooks: the endpoints, create (the secret is
shown once), disable, each endpoint's delivery log with every attempt, and replay.

Only after the second factor, as the API clients' pages (``api.views.clients``).
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
from charities.selectors import organisation_for_staff
from webhooks import selectors
from webhooks.exceptions import WebhookError
from webhooks.forms import EndpointForm
from webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_disable,
)


def _page(request: AuthenticatedHttpRequest, form: EndpointForm, status: int = 200) -> HttpResponse:
    context = {
        "organisation": organisation_for_staff(request.user),
        "endpoints": selectors.endpoints_for_manager(request.user),
        "form": form,
    }
    return render(request, "webhooks/endpoints.html", context, status=status)


@require_GET
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def endpoints(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request, EndpointForm())


@require_POST
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def endpoint_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        endpoint, secret = webhook_endpoint_create(
            actor=request.user,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            second_factor_passed=second_factor_passed(request),
        )
    except WebhookError as error:
        form.add_error("url", str(error.message))
        return _page(request, form, status=400)
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def endpoint_disable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.get_endpoint_for_manager(request.user, pk)
    try:
        webhook_endpoint_disable(
            actor=request.user,
            endpoint_id=endpoint.pk,
            second_factor_passed=second_factor_passed(request),
        )
    except WebhookError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The endpoint is disabled: it receives nothing more."))
    return redirect("webhooks:endpoints")


@require_GET
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def deliveries(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.get_endpoint_for_manager(request.user, pk)
    context = {"endpoint": endpoint, "deliveries": selectors.deliveries_of(endpoint)}
    return render(request, "webhooks/deliveries.html", context)


@require_POST
@require_capability(Capability.MANAGE_STAFF)
@require_personal_data
def delivery_replay(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery_for_manager(request.user, pk)
    try:
        webhook_delivery_replay(
            actor=request.user,
            delivery_id=delivery.pk,
            second_factor_passed=second_factor_passed(request),
        )
    except WebhookError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The delivery is sent again."))
    return redirect("webhooks:deliveries", delivery.endpoint_id)
