"""Organisations applying to join (public pages) and the ministry's licensing of them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
from audit.services import client_ip
from charities import selectors
from charities.exceptions import (
    ConfirmationLinkExpired,
    ConfirmationLinkInvalid,
    LicenceNumberTaken,
    OrganisationReasonRequired,
)
from charities.forms import LicenceForm, OrganisationApplyForm, ReasonForm
from charities.models import Organisation, OrganisationStatus
from charities.services.licensing import (
    ORGANISATION_MOVES,
    organisation_apply,
    organisation_approve,
    organisation_licence_update,
    organisation_reactivate,
    organisation_suspend,
)
from charities.services.staff import organisation_application_confirm
from charities.views.common import run_action, site_url

# --- applying to join (public) --------------------------------------------------------------

#: Applications accepted from one client address per window (override in settings).
APPLY_LIMIT_PER_IP = 5
APPLY_LIMIT_WINDOW_SECONDS = 3600


def _apply_allowed(request: HttpRequest) -> bool:
    """Count one submission from this client address; False once it is over the limit.

    Fixed window from the first submission. The key is an HMAC, so the cache never holds the
    address in clear.
    """
    limit = getattr(settings, "CHARITY_APPLY_LIMIT_PER_IP", APPLY_LIMIT_PER_IP)
    window = getattr(settings, "CHARITY_APPLY_LIMIT_WINDOW_SECONDS", APPLY_LIMIT_WINDOW_SECONDS)
    address = client_ip(request) or "unknown"
    key = "charities:apply:" + salted_hmac("charities.apply", address).hexdigest()[:32]
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


@require_http_methods(["GET", "POST"])
def apply_to_join(request: HttpRequest) -> HttpResponse:
    """Public page: an organisation applies to be licensed; the ministry reviews it."""
    form = OrganisationApplyForm(request.POST or None)
    if request.method == "POST":
        if not _apply_allowed(request):
            return render(request, "429.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                organisation_apply(
                    name_ar=data["name_ar"],
                    name_en=data["name_en"],
                    kind=data["kind"],
                    licence_number=data["licence_number"],
                    governorates=data["governorates"],
                    aid_types=data["aid_types"],
                    email=data["email"],
                    phone=data["phone"],
                    manager_name=data["manager_name"],
                    manager_email=data["manager_email"],
                    language=get_language() or settings.LANGUAGE_CODE,
                    ip_address=client_ip(request),
                    site_url=site_url(request),
                )
            except LicenceNumberTaken as error:
                form.add_error("licence_number", str(error.message))
            else:
                # Redirect after POST: a reload cannot send the application twice.
                return redirect("charities:apply_done")
    return render(request, "charities/apply.html", {"form": form})


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    """The same thank-you page for every application (it reveals nothing about accounts)."""
    return render(request, "charities/apply_done.html")


@require_http_methods(["GET", "POST"])
def apply_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link e-mailed to the manager: a button (POST) that confirms the address.

    Opening the link changes nothing (mail scanners open links); only pressing the button
    creates the manager's account.
    """
    if request.method == "POST":
        try:
            application = organisation_application_confirm(
                token=token, ip_address=client_ip(request)
            )
        except (ConfirmationLinkExpired, ConfirmationLinkInvalid) as error:
            return render(
                request,
                "charities/apply_confirm.html",
                {"error": str(error.message)},
                status=400,
            )
        return render(
            request,
            "charities/apply_confirm.html",
            {"confirmed": True, "organisation": application.organisation},
        )
    return render(request, "charities/apply_confirm.html", {})


# --- licensing (ministry administrators) ----------------------------------------------------

LICENSING_PAGE_SIZE = 50


@require_GET
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in OrganisationStatus.values:
        status = ""
    organisations = selectors.organisations_for_licensing(
        request.user,
        status=status or None,
    )
    page = Paginator(organisations, LICENSING_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.organisation_status_counts(request.user)
    filters = [
        {"value": "", "label": _("All"), "count": sum(counts.values())},
        *(
            {"value": value, "label": label, "count": counts[value]}
            for value, label in OrganisationStatus.choices
        ),
    ]
    return render(
        request,
        "charities/licensing_list.html",
        {"page": page, "status": status, "filters": filters},
    )


@require_GET
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_licensing(request.user, pk)
    moves = [
        {"name": name, "url": f"charities:licensing_{name}"}
        for name, (from_status, _to, _action) in ORGANISATION_MOVES.items()
        if organisation.status == from_status
    ]
    context = {
        "organisation": organisation,
        "application": getattr(organisation, "application", None),
        "members": organisation.memberships.select_related("user").order_by(
            "-is_active", "user__full_name"
        ),
        "history": selectors.status_history(organisation),
        "moves": moves,
        "reason_form": ReasonForm(),
        "licence_form": LicenceForm(
            initial={
                "governorates": list(organisation.governorates.all()),
                "aid_types": list(organisation.aid_types.all()),
            }
        ),
    }
    return render(request, "charities/licensing_detail.html", context)


def _licensing_move(
    request: AuthenticatedHttpRequest, pk: int, move: Callable[..., Organisation], success: str
) -> HttpResponse:
    organisation = selectors.get_organisation_for_licensing(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(OrganisationReasonRequired.message))
        return redirect("charities:licensing_detail", pk=organisation.pk)
    run_action(
        request,
        success,
        lambda: move(
            organisation_id=organisation.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            site_url=site_url(request),
        ),
    )
    return redirect("charities:licensing_detail", pk=organisation.pk)


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _licensing_move(
        request,
        pk,
        organisation_approve,
        _("Approved. Its managers have been e-mailed how to sign in."),
    )


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_suspend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _licensing_move(
        request,
        pk,
        organisation_suspend,
        _("Suspended. Its staff can no longer act."),
    )


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _licensing_move(
        request,
        pk,
        organisation_reactivate,
        _("Reactivated. Its staff can work again."),
    )


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_licence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_licensing(request.user, pk)
    form = LicenceForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
        return redirect("charities:licensing_detail", pk=organisation.pk)
    run_action(
        request,
        _("The licence was saved."),
        lambda: organisation_licence_update(
            organisation_id=organisation.pk,
            actor=request.user,
            governorates=form.cleaned_data["governorates"],
            aid_types=form.cleaned_data["aid_types"],
        ),
    )
    return redirect("charities:licensing_detail", pk=organisation.pk)
