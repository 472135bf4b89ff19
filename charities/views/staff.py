"""A manager's own staff: the list, invitations, roles and removals."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.forms import ChoiceField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
from charities import selectors
from charities.exceptions import CharityError, EmailAlreadyHasAccount
from charities.forms import StaffInviteForm, StaffRoleForm
from charities.services import staff as services_staff
from charities.services.staff import staff_role_change
from charities.views.common import organisation_of, site_url

# --- staff (managers, own organisation only) ------------------------------------------------


def _staff_page(request: AuthenticatedHttpRequest, invite_form: StaffInviteForm) -> HttpResponse:
    members = list(selectors.staff_for_manager(request.user))
    context = {
        "organisation": organisation_of(request),
        "current": [m for m in members if m.is_active],
        "former": [m for m in members if not m.is_active],
        "invite_form": invite_form,
        "role_choices": cast(ChoiceField, StaffRoleForm.base_fields["role"]).choices,
    }
    return render(request, "charities/staff.html", context)


@require_GET
@require_capability(Capability.MANAGE_STAFF)
def staff(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _staff_page(request, StaffInviteForm())


@require_POST
@require_capability(Capability.MANAGE_STAFF)
def staff_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, form)
    try:
        services_staff.staff_invite(
            actor=request.user,
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            site_url=site_url(request),
        )
    except EmailAlreadyHasAccount as error:
        form.add_error("email", str(error.message))
        return _staff_page(request, form)
    except CharityError as error:
        messages.error(request, str(error.message))
        return _staff_page(request, form)
    messages.success(request, _("Added. We e-mailed them how to choose a password and sign in."))
    return redirect("charities:staff")


def _after_staff_change(request: HttpRequest, user_id: int) -> HttpResponse:
    # Whoever changed their own role or left may no longer manage staff: go to their home page.
    if user_id == request.user.pk:
        return redirect("home")
    return redirect("charities:staff")


@require_POST
@require_capability(Capability.MANAGE_STAFF)
def staff_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_manager(request.user, pk)
    form = StaffRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose caseworker or manager."))
        return redirect("charities:staff")
    try:
        staff_role_change(
            actor=request.user,
            membership_id=membership.pk,
            role=form.cleaned_data["role"],
        )
    except CharityError as error:
        messages.error(request, str(error.message))
        return redirect("charities:staff")
    messages.success(request, _("The role was changed."))
    return _after_staff_change(request, membership.user_id)


@require_POST
@require_capability(Capability.MANAGE_STAFF)
def staff_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_manager(request.user, pk)
    try:
        services_staff.staff_remove(actor=request.user, membership_id=membership.pk)
    except CharityError as error:
        messages.error(request, str(error.message))
        return redirect("charities:staff")
    messages.success(request, _("Removed. They can no longer act for the organisation."))
    return _after_staff_change(request, membership.user_id)
