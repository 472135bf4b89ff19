"""What the applicant's pages share: one-time submission tokens, the steps bar, errors."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from aid_requests.models import HELD_STATUSES
from applicants import selectors
from applicants.exceptions import ProfileError
from applicants.models import ApplicantProfile
from applicants.selectors import STEP_LABELS, Step

_SUBMISSIONS = "applicants.submissions"
_KEEP_SUBMISSIONS = 20


def new_submission(request: AuthenticatedHttpRequest) -> str:
    """A one-time token for a form that adds a row (the session keeps the last few)."""
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(_SUBMISSIONS, [])[-(_KEEP_SUBMISSIONS - 1) :]
    request.session[_SUBMISSIONS] = [*tokens, token]
    return token


def use_submission(request: AuthenticatedHttpRequest) -> bool:
    """True the first time this form's token comes back; False for a repeat or stale form."""
    token = request.POST.get("submission", "")
    tokens = request.session.get(_SUBMISSIONS, [])
    if token not in tokens:
        return False
    tokens.remove(token)
    request.session[_SUBMISSIONS] = tokens
    return True


def already_sent(request: AuthenticatedHttpRequest, step: Step) -> HttpResponse:
    messages.info(request, _("This form was already sent; nothing was added twice."))
    return redirect(f"applicants:{step}")


def user_of(request: AuthenticatedHttpRequest) -> User:
    return request.user


def show_error(form: django_forms.Form, error: ProfileError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def step_context(
    request: AuthenticatedHttpRequest, step: Step, profile: ApplicantProfile | None
) -> dict[str, Any]:
    user = user_of(request)
    done = selectors.completed_steps(profile, user)
    steps = [
        {
            "number": number,
            "label": STEP_LABELS[each],
            "url": reverse(f"applicants:{each}"),
            "done": each in done,
            "current": each == step,
        }
        for number, each in enumerate(Step, start=1)
    ]
    return {
        "steps": steps,
        "step": step,
        "step_number": list(Step).index(step) + 1,
        "step_count": len(steps),
        "done_count": len(done),
        "step_label": STEP_LABELS[step],
        "profile": profile,
        "held": selectors.is_profile_held(user, held_statuses=HELD_STATUSES),
    }


def profile_required(request: AuthenticatedHttpRequest) -> ApplicantProfile | None:
    """The user's profile; None (with a message) when the personal step must come first."""
    profile = selectors.profile_of(user_of(request))
    if profile is None:
        messages.warning(request, _("Fill in your personal details first."))
    return profile
