"""Step 2 of the profile: the household members (the change and its coverage in one step
of ``dedup.household_steps``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
from applicants import selectors
from applicants.exceptions import ProfileError
from applicants.forms import MemberForm
from applicants.models import ApplicantProfile
from applicants.selectors import Step
from applicants.services.household import MemberSaved
from applicants.views.common import (
    already_sent,
    new_submission,
    profile_required,
    show_error,
    step_context,
    use_submission,
    user_of,
)
from audit.services import client_ip
from dedup import household_steps


def _household_page(
    request: AuthenticatedHttpRequest, profile: ApplicantProfile, form: MemberForm | None = None
) -> HttpResponse:
    user = user_of(request)
    context = step_context(request, Step.HOUSEHOLD, profile) | {
        "members": selectors.members_of(user),
        "listed_elsewhere": selectors.members_listed_elsewhere(user),
        "form": form or MemberForm(),
        "submission": new_submission(request),
    }
    return render(request, "applicants/profile/household.html", context)


def _member_saved_messages(request: AuthenticatedHttpRequest, saved: MemberSaved) -> None:
    messages.success(request, _("The household member was saved."))
    if saved.listed_elsewhere:
        messages.warning(
            request,
            _(
                "This person is already listed in another household. The member was saved and "
                "the ministry will review it; you may be contacted."
            ),
        )


@require_GET
@require_capability(Capability.APPLY)
def household(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    return _household_page(request, profile)


@require_POST
@require_capability(Capability.APPLY)
def member_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    form = MemberForm(request.POST)
    if form.is_valid():
        if not use_submission(request):
            return already_sent(request, Step.HOUSEHOLD)
        try:
            saved = household_steps.household_member_add(
                actor=user_of(request), **form.cleaned_data, ip_address=client_ip(request)
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            _member_saved_messages(request, saved)
            return redirect("applicants:household")
    return _household_page(request, profile, form)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def member_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(user_of(request), pk)
    initial = {
        name: getattr(member, name)
        for name in ("civil_id", "name", "kinship", "birth_date", "has_disability", "is_student")
    }
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = household_steps.household_member_update(
                actor=user_of(request),
                member=member,
                **form.cleaned_data,
                ip_address=client_ip(request),
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            _member_saved_messages(request, saved)
            return redirect("applicants:household")
    context = step_context(request, Step.HOUSEHOLD, member.profile) | {
        "form": form,
        "title": _("Edit household member"),
        "back": reverse("applicants:household"),
    }
    return render(request, "applicants/profile/edit.html", context)


@require_POST
@require_capability(Capability.APPLY)
def member_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(user_of(request), pk)
    try:
        household_steps.household_member_remove(
            actor=user_of(request), member=member, ip_address=client_ip(request)
        )
    except ProfileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The household member was removed."))
    return redirect("applicants:household")
