"""Steps 3 and 4 of the profile: income and obligations (one set of views, two
configurations)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import Capability, require_capability
from aid_requests.models import HELD_STATUSES
from applicants import selectors
from applicants.exceptions import ProfileError
from applicants.forms import IncomeForm, ObligationForm
from applicants.models import ApplicantProfile
from applicants.selectors import Step
from applicants.services import money
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


@dataclass(frozen=True)
class _MoneyPages:
    step: Step
    form_class: type[IncomeForm] | type[ObligationForm]
    rows: Callable[[User], QuerySet[Any]]
    get_for_user: Callable[[User, int], Model]
    add: Callable[..., Model]
    update: Callable[..., Model]
    remove: Callable[..., None]
    row_argument: str
    intro: Promise
    add_title: Promise
    edit_title: Promise
    empty: Promise

    @property
    def add_url_name(self) -> str:
        return f"applicants:{self.row_argument}_add"

    @property
    def edit_url_name(self) -> str:
        return f"applicants:{self.row_argument}_edit"

    @property
    def remove_url_name(self) -> str:
        return f"applicants:{self.row_argument}_remove"


_INCOMES = _MoneyPages(
    step=Step.INCOMES,
    form_class=IncomeForm,
    rows=selectors.incomes_of,
    get_for_user=selectors.get_income_for_user,
    add=money.income_source_add,
    update=money.income_source_update,
    remove=money.income_source_remove,
    row_argument="income",
    intro=_(
        "Declare every monthly income of the household: yours and your household members'. "
        "If there is none, continue without adding any."
    ),
    add_title=_("Add an income source"),
    edit_title=_("Edit income source"),
    empty=_("No income declared yet."),
)
_OBLIGATIONS = _MoneyPages(
    step=Step.OBLIGATIONS,
    form_class=ObligationForm,
    rows=selectors.obligations_of,
    get_for_user=selectors.get_obligation_for_user,
    add=money.monthly_obligation_add,
    update=money.monthly_obligation_update,
    remove=money.monthly_obligation_remove,
    row_argument="obligation",
    intro=_(
        "Declare what the household must pay every month: rent, loans, installments. "
        "If there is nothing, continue without adding any."
    ),
    add_title=_("Add a monthly obligation"),
    edit_title=_("Edit monthly obligation"),
    empty=_("No obligations declared yet."),
)


def _money_page(
    request: AuthenticatedHttpRequest,
    pages: _MoneyPages,
    profile: ApplicantProfile,
    form: django_forms.Form | None = None,
) -> HttpResponse:
    rows = pages.rows(user_of(request))
    context = step_context(request, pages.step, profile) | {
        "pages": pages,
        "rows": rows,
        "total": sum((row.amount for row in rows), start=0),
        "form": form or pages.form_class(),
        "submission": new_submission(request),
    }
    return render(request, "applicants/profile/money.html", context)


def _money_list(request: AuthenticatedHttpRequest, pages: _MoneyPages) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    return _money_page(request, pages, profile)


def _money_add(request: AuthenticatedHttpRequest, pages: _MoneyPages) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    form = pages.form_class(request.POST)
    if form.is_valid():
        if not use_submission(request):
            return already_sent(request, pages.step)
        try:
            pages.add(
                actor=user_of(request),
                **form.cleaned_data,
                held_statuses=HELD_STATUSES,
                ip_address=client_ip(request),
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"applicants:{pages.step}")
    return _money_page(request, pages, profile, form)


def _money_edit(request: AuthenticatedHttpRequest, pages: _MoneyPages, pk: int) -> HttpResponse:
    row = pages.get_for_user(user_of(request), pk)
    initial = {name: getattr(row, name) for name in ("kind", "amount", "description")}
    form = pages.form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pages.update(
                actor=user_of(request),
                **{pages.row_argument: row},
                **form.cleaned_data,
                held_statuses=HELD_STATUSES,
                ip_address=client_ip(request),
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"applicants:{pages.step}")
    profile = selectors.profile_of(user_of(request))
    context = step_context(request, pages.step, profile) | {
        "form": form,
        "title": pages.edit_title,
        "back": reverse(f"applicants:{pages.step}"),
    }
    return render(request, "applicants/profile/edit.html", context)


def _money_remove(request: AuthenticatedHttpRequest, pages: _MoneyPages, pk: int) -> HttpResponse:
    row = pages.get_for_user(user_of(request), pk)
    try:
        pages.remove(
            actor=user_of(request),
            **{pages.row_argument: row},
            held_statuses=HELD_STATUSES,
            ip_address=client_ip(request),
        )
    except ProfileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Removed."))
    return redirect(f"applicants:{pages.step}")


@require_GET
@require_capability(Capability.APPLY)
def incomes(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _money_list(request, _INCOMES)


@require_POST
@require_capability(Capability.APPLY)
def income_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _money_add(request, _INCOMES)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def income_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _money_edit(request, _INCOMES, pk)


@require_POST
@require_capability(Capability.APPLY)
def income_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _money_remove(request, _INCOMES, pk)


@require_GET
@require_capability(Capability.APPLY)
def obligations(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _money_list(request, _OBLIGATIONS)


@require_POST
@require_capability(Capability.APPLY)
def obligation_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _money_add(request, _OBLIGATIONS)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def obligation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _money_edit(request, _OBLIGATIONS, pk)


@require_POST
@require_capability(Capability.APPLY)
def obligation_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _money_remove(request, _OBLIGATIONS, pk)
