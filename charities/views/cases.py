"""A case this organisation holds: the full file, and the actions on it (claim, approve, pay,
close, release, reject, write to the applicant)."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import (
    Capability,
    can,
    require_capability,
    require_personal_data,
    second_factor_passed,
)
from aid_requests.exceptions import AidRequestError
from aid_requests.models import RequestStatus
from aid_requests.reasons import breakdown_rows, verified_from_text
from aid_requests.services.cases import aid_request_view_logged
from aid_requests.states import Actor, is_allowed
from applicants import selectors as applicant_selectors
from audit.services import client_ip
from charities import case_reads, selectors
from charities.exceptions import CharityError
from charities.forms import ApproveForm, CaseMessageForm, PaymentForm, ReasonForm
from charities.services.cases import aid_request_reject, aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import (
    aid_request_approve,
    aid_request_close,
    next_period,
    payment_record,
    period_opens_on,
    period_start,
)
from charities.views.common import run_action
from dedup import selectors as dedup_selectors
from donations.services.ledger import payment_record_funded


@require_GET
@require_capability(Capability.VIEW_QUEUE)
@require_personal_data
def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The full file of a case this organisation holds; every view is recorded."""
    aid_request, _organisation = case_reads.get_case_file_for_staff(request.user, pk)
    aid_request_view_logged(
        aid_request=aid_request,
        viewer=request.user,
        ip_address=client_ip(request),
    )
    applicant = aid_request.applicant
    # Read with the case (``get_case_file_for_staff``); an applicant may have no profile yet.
    profile = getattr(applicant, "applicant_profile", None)
    # Every list of the page in one round trip (issue 19): the payments are read once (the
    # next period counts them), the household's totals are summed from the rows it lists.
    lists = case_reads.case_lists(aid_request, profile)
    payments, household = lists.payments, lists.household
    period = next_period(aid_request, made=len(payments))
    read_only = selectors.case_is_read_only(aid_request)
    decides = can(request.user, Capability.RELEASE_CASE)  # managers release and reject
    # What screening used of the income, as stored (the agencies are not asked again); the
    # verified income is a total only: no agency, benefit or reference reaches this page.
    screening_income = (aid_request.screening or {}).get("income")
    context = {
        "aid_request": aid_request,
        "applicant": applicant,
        "profile": profile,
        "protected": bool(profile and profile.is_protected),
        "members": household.members,
        "incomes": household.incomes,
        "obligations": household.obligations,
        "finances": applicant_selectors.household_finances_of(
            members=household.members, incomes=household.incomes, obligations=household.obligations
        ),
        "documents": lists.documents,
        "payments": payments,
        # Most cases have none: the case's query says whether to read them.
        "coverage_conflicts": dedup_selectors.open_conflicts_of_case(aid_request.pk)
        if getattr(aid_request, "has_open_conflicts", True)
        else [],
        # The page shows the steps, not who took them (the actor is on the audit trail).
        "timeline": lists.timeline,
        "breakdown": breakdown_rows((aid_request.screening or {}).get("breakdown", [])),
        "screening_income": screening_income,
        "verified_from": screening_income
        and verified_from_text(screening_income.get("verified_from", "")),
        "read_only": read_only,
        "can_approve": can(request.user, Capability.APPROVE_CASE),
        "next_period": period,
        "next_period_start": period and period_start(aid_request, period),
        "next_period_opens": period and period_opens_on(aid_request, period),
        # The forms' markup, rendered once per process for what it depends on (issue 19);
        # callables: the template calls only those of the forms it shows.
        "approve_form": partial(ApproveForm.blank_html, aid_request),
        "payment_form": partial(
            PaymentForm.blank_html,
            amount=aid_request.approved_amount,
            paid_on=timezone.localdate(),
            period=period,
        ),
        # Two reason forms on one page: their own ids, the same field name.
        "release_form": partial(ReasonForm.blank_html, "id_release_%s"),
        "reject_form": partial(ReasonForm.blank_html, "id_reject_%s"),
        "may_release": decides and aid_request.status == RequestStatus.CLAIMED,
        "may_reject": decides
        and not read_only
        and is_allowed(aid_request.status, RequestStatus.REJECTED, Actor.CHARITY),
        "message_form": CaseMessageForm.blank_html,
        "case_messages": lists.messages,
    }
    return render(request, "charities/case_detail.html", context)


@require_POST
@require_capability(Capability.CLAIM_CASE)
def claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    aid_request, _organisation = selectors.get_open_request_for_staff(request.user, pk)
    try:
        aid_request_claim(
            aid_request_id=aid_request.pk,
            actor=request.user,
            second_factor_passed=second_factor_passed(request),
        )
    except (CharityError, AidRequestError) as error:
        messages.error(request, error.message)
        return redirect("charities:queue")
    messages.success(request, _("Claimed. The full file is now open to your organisation."))
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.APPROVE_CASE)
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    aid_request, _organisation = selectors.get_case_for_staff(request.user, pk, write=True)
    form = ApproveForm(request.POST, aid_request=aid_request)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
        return redirect("charities:case", pk=pk)
    run_action(
        request,
        _("Approved. The applicant has been told."),
        lambda: aid_request_approve(
            aid_request_id=pk,
            actor=request.user,
            amount=form.cleaned_data["amount"],
            payments=form.cleaned_data["payments"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.RECORD_PAYMENT)
def payment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
        return redirect("charities:case", pk=pk)
    data = form.cleaned_data
    # The web layer may call any app: paying from donations is the donations app's step.
    record = payment_record_funded if data["from_gifts"] else payment_record
    run_action(
        request,
        _("Payment recorded."),
        lambda: record(
            aid_request_id=pk,
            actor=request.user,
            amount=data["amount"],
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
            period=data["period"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.RECORD_PAYMENT)
def close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)
    run_action(
        request,
        _("The case is closed."),
        lambda: aid_request_close(
            aid_request_id=pk,
            actor=request.user,
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.RELEASE_CASE)
def release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("charities:case", pk=pk)
    run_action(
        request,
        _("Released back to the queue."),
        lambda: aid_request_release(
            aid_request_id=pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:my_cases")


@require_POST
@require_capability(Capability.RELEASE_CASE)
def reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("charities:case", pk=pk)
    run_action(
        request,
        _("Rejected. The applicant has been told and may appeal."),
        lambda: aid_request_reject(
            aid_request_id=pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.VIEW_QUEUE)
@require_personal_data
def case_message(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write to the applicant of a case this organisation holds."""
    from aid_requests.services.cases import case_message_send

    selectors.get_case_for_staff(request.user, pk, write=True)
    form = CaseMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return redirect("charities:case", pk=pk)
    run_action(
        request,
        _("Message sent to the applicant."),
        lambda: case_message_send(
            aid_request_id=pk, sender=request.user, body=form.cleaned_data["body"]
        ),
    )
    return redirect("charities:case", pk=pk)
