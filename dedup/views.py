"""The ministry's adjudication page: coverage conflicts and possible duplicates, decided."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import Capability, can, require_capability, require_personal_data
from audit.services import client_ip
from dedup import selectors
from dedup.exceptions import AdjudicationError
from dedup.forms import ConflictResolveForm, DuplicateDecideForm
from dedup.services.adjudication import coverage_conflict_resolve, possible_duplicate_decide


def _user(request: AuthenticatedHttpRequest) -> User:
    return request.user


def _page(request: AuthenticatedHttpRequest, status: int = 200) -> HttpResponse:
    user = _user(request)
    context = {
        "conflicts": selectors.open_coverage_conflicts(user),
        "duplicates": selectors.open_possible_duplicates(user),
        "may_decide": can(user, Capability.REVIEW_APPEALS),
        "conflict_form": ConflictResolveForm(),
        "duplicate_form": DuplicateDecideForm(),
    }
    return render(request, "dedup/adjudication.html", context, status=status)


@require_GET
@require_capability(Capability.VIEW_ALL_CASES)
@require_personal_data
def adjudication(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request)


def _decided(request: HttpRequest, form, decide) -> HttpResponse:
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("dedup:adjudication")
    try:
        decide(form.cleaned_data)
    except AdjudicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decided. Everyone concerned has been told."))
    return redirect("dedup:adjudication")


@require_POST
@require_capability(Capability.REVIEW_APPEALS)
@require_personal_data
def conflict_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    conflict = selectors.get_conflict_for_ministry(user, pk)
    return _decided(
        request,
        ConflictResolveForm(request.POST),
        lambda data: coverage_conflict_resolve(
            conflict_id=conflict.pk,
            actor=user,
            resolution=data["resolution"],
            reason=data["reason"],
            ip_address=client_ip(request),
        ),
    )


@require_POST
@require_capability(Capability.REVIEW_APPEALS)
@require_personal_data
def duplicate_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    duplicate = selectors.get_duplicate_for_ministry(user, pk)
    return _decided(
        request,
        DuplicateDecideForm(request.POST),
        lambda data: possible_duplicate_decide(
            duplicate_id=duplicate.pk,
            actor=user,
            decision=data["decision"],
            reason=data["reason"],
            ip_address=client_ip(request),
        ),
    )
