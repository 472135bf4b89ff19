"""The applicant's requests, and the steps of the profile that are one page each: the entry
point, personal details, "save and continue" of the list steps, consent and the review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
from aid_requests import selectors as aid_selectors
from aid_requests.models import HELD_STATUSES
from applicants import selectors
from applicants.exceptions import ProfileError
from applicants.forms import ConsentForm, PersonalForm
from applicants.selectors import CONFIRMED_FIELD, Step
from applicants.services import details
from applicants.views.common import profile_required, show_error, step_context, user_of
from audit.services import client_ip


@require_GET
@require_capability(Capability.VIEW_OWN_REQUESTS)
def my_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = user_of(request)
    profile = selectors.profile_of(user)
    done = selectors.completed_steps(profile, user)
    # The first steps of a new applicant, where they land after signing in: what is done and
    # what comes next, instead of an empty list.
    checklist = [
        {
            "label": _("Prove your identity"),
            "done": user.is_identity_verified,
            "url": reverse("identity:verify"),
        },
        {
            "label": _("Complete your profile"),
            "done": Step.REVIEW in done,
            "url": reverse("applicants:profile"),
            "detail": _("%(done)s of %(total)s steps done")
            % {"done": len(done & set(Step)), "total": len(Step)},
        },
        {"label": _("Apply for aid"), "done": False, "url": reverse("aid_requests:catalogue")},
    ]
    context = {
        "profile": profile,
        "requests": aid_selectors.requests_of_applicant(user),
        "checklist": checklist,
        "checklist_done": sum(1 for item in checklist if item["done"]),
        "show_checklist": not all(item["done"] for item in checklist[:2]),
    }
    return render(request, "applicants/my_requests.html", context)


@require_GET
@require_capability(Capability.APPLY)
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = user_of(request)
    step = selectors.first_incomplete_step(selectors.profile_of(user), user)
    return redirect(f"applicants:{step}")


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def personal(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = user_of(request)
    current = selectors.profile_of(user)
    initial: dict[str, Any] = {
        "birth_date": selectors.birth_date_of(user),
        "mobile": user.mobile,
        "email": user.email or "",
    }
    if current is not None:
        initial |= {
            name: getattr(current, name)
            for name in ("name_ar", "name_en", "gender", "nationality", "area", "address")
        }
        initial["governorate"] = current.governorate_id
    form = PersonalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            details.applicant_profile_save(
                actor=user,
                name_ar=data["name_ar"],
                name_en=data["name_en"],
                gender=data["gender"],
                nationality=data["nationality"],
                governorate=data["governorate"],
                area=data["area"],
                address=data["address"],
                mobile=data["mobile"],
                email=data["email"],
                held_statuses=HELD_STATUSES,
                ip_address=client_ip(request),
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Your personal details were saved."))
            return redirect(f"applicants:{selectors.next_step(Step.PERSONAL)}")
    context = step_context(request, Step.PERSONAL, current) | {"form": form}
    return render(request, "applicants/profile/personal.html", context)


@require_POST
@require_capability(Capability.APPLY)
def step_confirm(request: AuthenticatedHttpRequest, step: str) -> HttpResponse:
    """ "Save and continue" on a list step: mark it done and go to the next step."""
    if step not in CONFIRMED_FIELD:
        raise Http404
    if profile_required(request) is None:
        return redirect("applicants:personal")
    details.applicant_profile_step_confirm(
        actor=user_of(request), step=Step(step), ip_address=client_ip(request)
    )
    return redirect(f"applicants:{selectors.next_step(Step(step))}")


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def consent(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    # Bound on every POST: an empty one (the box not ticked) must show why, not a fresh form.
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (profile.consented_at is not None or form.is_valid()):
        # Agreeing again (a second tab, a replayed form) keeps the first agreement.
        details.applicant_profile_consent(actor=user_of(request), ip_address=client_ip(request))
        messages.success(request, _("Thank you. Your agreement was recorded."))
        return redirect(f"applicants:{selectors.next_step(Step.CONSENT)}")
    context = step_context(request, Step.CONSENT, profile) | {"form": form}
    return render(request, "applicants/profile/consent.html", context)


@require_GET
@require_capability(Capability.APPLY)
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    user = user_of(request)
    context = step_context(request, Step.REVIEW, profile) | {
        "members": selectors.members_of(user),
        "listed_elsewhere": selectors.members_listed_elsewhere(user),
        "incomes": selectors.incomes_of(user),
        "obligations": selectors.obligations_of(user),
        "documents": selectors.documents_of(user),
        "finances": selectors.household_finances(user),
        "birth_date": selectors.birth_date_of(user),
    }
    return render(request, "applicants/profile/review.html", context)
