"""The ministry's pages: look an applicant up by civil ID, see them, mark them as protected."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import Capability, can, require_capability, require_personal_data
from aid_requests import selectors as aid_selectors
from applicants import selectors
from applicants.exceptions import ProfileError
from applicants.forms import ApplicantLookupForm, ProtectionForm
from applicants.selectors import STEP_LABELS, Step
from applicants.services import protection
from applicants.views.common import show_error, user_of
from audit.services import client_ip


@require_http_methods(["GET", "POST"])
@require_capability(Capability.VIEW_ALL_CASES)
@require_personal_data
def ministry_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Find an applicant by civil ID, sent by POST; the details page follows by its number.

    The civil ID travels in the request body only — never in a URL, where access logs and
    browser histories would keep it. A query string (``?civil_id=``, the former GET form) is
    dropped by a redirect to the bare page, so that no link of the page repeats it.
    """
    if request.method == "GET" and request.GET:
        return redirect("applicants:ministry_lookup")
    form = ApplicantLookupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        applicant_id = selectors.applicant_id_for_civil_id(form.cleaned_data["civil_id"])
        if applicant_id is not None:
            return redirect("applicants:ministry_applicant", pk=applicant_id)
        form.add_error("civil_id", _("No applicant has registered with this civil ID."))
    return render(request, "applicants/ministry/lookup.html", {"form": form})


def _ministry_page(
    request: AuthenticatedHttpRequest, applicant: User, form: ProtectionForm | None = None
) -> HttpResponse:
    """The applicant's details for ministry staff; every showing is logged."""
    user = user_of(request)
    protection.applicant_ministry_view_record(
        actor=user, applicant=applicant, ip_address=client_ip(request)
    )
    profile = selectors.profile_of(applicant)
    done = selectors.completed_steps(profile, applicant)
    context = {
        "applicant": applicant,
        "profile": profile,
        "complete": Step.REVIEW in done,
        "missing": [STEP_LABELS[step] for step in Step if step not in done and step != Step.REVIEW],
        "requests": aid_selectors.requests_of_applicant(applicant),
        "history": selectors.protection_history(profile) if profile else [],
        "may_protect": can(user, Capability.PROTECT_APPLICANTS),
        "form": form
        or ProtectionForm(initial={"protected": "0" if profile and profile.is_protected else "1"}),
    }
    return render(request, "applicants/ministry/applicant.html", context)


@require_GET
@require_capability(Capability.VIEW_ALL_CASES)
@require_personal_data
def ministry_applicant(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.get_applicant_for_ministry(user_of(request), pk)
    return _ministry_page(request, applicant)


@require_POST
@require_capability(Capability.PROTECT_APPLICANTS)
@require_personal_data
def protection_set(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = user_of(request)
    applicant = selectors.get_applicant_for_ministry(user, pk)
    profile = selectors.profile_of(applicant)
    if profile is None:
        raise Http404
    form = ProtectionForm(request.POST)
    if form.is_valid():
        try:
            updated = protection.applicant_protection_set(
                profile_id=profile.pk,
                protected=form.cleaned_data["protected"],
                actor=user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            messages.success(
                request,
                _("The applicant is now protected: charities no longer see the contact details.")
                if updated.is_protected
                else _("The applicant is no longer protected."),
            )
            return redirect("applicants:ministry_applicant", pk=applicant.pk)
    return _ministry_page(request, applicant, form)
