from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, can, require_capability, require_personal_data
from aid_requests import selectors
from aid_requests.exceptions import AidRequestError, DocumentNotAccepted, DuplicateRequest
from aid_requests.forms import (
    AidTypeForm,
    AppealDecisionForm,
    AppealForm,
    NoteForm,
    RejectForm,
    RequestForm,
)
from aid_requests.models import AidType, RequestStatus, request_reference
from aid_requests.periods import payment_month_start
from aid_requests.reasons import breakdown_rows, reason_text
from aid_requests.services.appeals import aid_request_appeal
from aid_requests.services.cases import aid_request_view_logged
from aid_requests.services.catalogue import aid_type_save
from aid_requests.services.lifecycle import aid_request_reject_in_queue
from aid_requests.services.submission import household_snapshot
from aid_requests.states import APPEALABLE, WITHDRAWABLE
from applicants import selectors as applicant_selectors
from audit.services import client_ip
from charities.request_steps import aid_request_submit
from dedup.request_steps import aid_request_withdraw
from dedup.request_steps import appeal_decide as appeal_decide_step


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The aid types anyone may apply for, with what each needs (public)."""
    return render(request, "aid_requests/catalogue.html", {"aid_types": selectors.catalogue()})


def _duplicate_message(existing_id: int, message: str | Promise) -> str:
    """The refusal of a second live request, with a link to the first one."""
    return format_html(
        '{} <a href="{}" class="alert-link" data-testid="first-request">{} ({})</a>',
        message,
        reverse("aid_requests:detail", kwargs={"pk": existing_id}),
        _("Open it"),
        request_reference(existing_id),
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def request_new(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    aid_type = selectors.get_active_aid_type(code)
    user = request.user
    # A live request for the applicant themselves; another for a member is still possible.
    existing = selectors.live_request_of(user, aid_type)
    documents = applicant_selectors.documents_of(user)
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        aid_type=aid_type,
        documents=documents,
        members=applicant_selectors.members_of(user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            aid_request = aid_request_submit(
                applicant=user,
                aid_type=aid_type,
                amount=form.cleaned_data["amount"],
                justification=form.cleaned_data["justification"],
                documents=form.cleaned_data["documents"],
                uploads=form.uploads(),
                ip_address=client_ip(request),
                submission_key=form.cleaned_data["submission_key"],
                beneficiary=form.cleaned_data.get("beneficiary"),
            )
        except DuplicateRequest as error:
            if error.existing_id:
                messages.error(request, _duplicate_message(error.existing_id, error.message))
                return redirect("aid_requests:detail", pk=error.existing_id)
            messages.error(request, error.message)
            return redirect("applicants:my_requests")
        except DocumentNotAccepted as error:
            for kind, problem in error.problems.items():
                form.add_error(form.field_of(kind), problem)
        except AidRequestError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your request was submitted and screened."))
            return redirect("aid_requests:detail", pk=aid_request.pk)
    context = {
        "aid_type": aid_type,
        "form": form,
        "existing": existing,
        "verified": user.is_identity_verified,
        "profile_complete": household_snapshot(user).profile_complete,
    }
    return render(request, "aid_requests/request_form.html", context)


@require_GET
@login_required
@require_personal_data
def request_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    aid_request, may_act = selectors.get_request_for_user(request.user, pk)
    if not may_act:
        aid_request_view_logged(
            aid_request=aid_request,
            viewer=request.user,
            ip_address=client_ip(request),
        )
    screening = aid_request.screening or {}
    context = {
        "aid_request": aid_request,
        "may_act": may_act,
        "timeline": aid_request.timeline.select_related("actor").all(),
        "reasons": [reason_text(r) for r in screening.get("reasons", [])],
        "breakdown": breakdown_rows(screening.get("breakdown", [])),
        "can_withdraw": may_act and aid_request.status in WITHDRAWABLE,
        "can_appeal": may_act and aid_request.status in APPEALABLE,
        "appeals": aid_request.appeals.all(),
        "documents": aid_request.documents.all(),
        "case_messages": aid_request.messages.select_related("organisation"),
        "withdraw_form": NoteForm(),
        "can_reject": aid_request.status == RequestStatus.OPEN
        and can(request.user, Capability.REJECT_REQUESTS),
        "reject_form": RejectForm(),
        "approved": _approved_aid(aid_request),
    }
    return render(request, "aid_requests/request_detail.html", context)


def _approved_aid(aid_request: Any) -> dict[str, Any] | None:
    """What was approved and what was paid, as the applicant reads it (None before approval)."""
    if not aid_request.approved_amount:
        return None
    count = aid_request.approved_payments or 1
    total = aid_request.approved_amount * count
    payments = list(aid_request.payments.order_by("period"))
    paid = sum((p.amount for p in payments), Decimal(0))
    by_period = {p.period: p for p in payments}
    open_case = aid_request.status in (RequestStatus.APPROVED, RequestStatus.PAYING)
    first_unpaid = next((n for n in range(1, count + 1) if n not in by_period), None)
    # Every instalment: the month it pays, and paid (when), next, planned or no longer due.
    schedule = [
        {
            "period": n,
            "month": payment_month_start(aid_request.coverage_start, n),
            "payment": by_period.get(n),
            "amount": by_period[n].amount if n in by_period else aid_request.approved_amount,
            "state": "paid"
            if n in by_period
            else ("next" if n == first_unpaid else "planned")
            if open_case
            else "not_due",
        }
        for n in range(1, count + 1)
    ]
    return {
        "monthly": aid_request.approved_amount,
        "count": count,
        "total": total,
        "payments": payments,
        "schedule": schedule,
        "paid": paid,
        "remaining": max(total - paid, Decimal(0)),
        "next": len(payments) + 1 if len(payments) < count else None,
    }


@require_POST
@require_capability(Capability.APPLY)
def request_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    aid_request = selectors.get_request_for_applicant(request.user, pk)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        aid_request_withdraw(
            aid_request_id=aid_request.pk,
            applicant=request.user,
            note=note,
        )
    except AidRequestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect("aid_requests:detail", pk=pk)


@require_POST
@require_capability(Capability.REJECT_REQUESTS)
@require_personal_data
def request_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A ministry administrator rejects a request waiting in the queue (with a reason)."""
    aid_request, _may_act = selectors.get_request_for_user(request.user, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for this decision."))
        return redirect("aid_requests:detail", pk=pk)
    try:
        aid_request_reject_in_queue(
            aid_request_id=aid_request.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except AidRequestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Rejected. The applicant has been told and may appeal."))
    return redirect("aid_requests:detail", pk=pk)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def request_appeal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    aid_request = selectors.get_request_for_applicant(request.user, pk)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            aid_request_appeal(
                aid_request_id=aid_request.pk,
                applicant=request.user,
                reason=form.cleaned_data["reason"],
            )
        except AidRequestError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your appeal was sent to the ministry for review."))
        return redirect("aid_requests:detail", pk=pk)
    return render(
        request, "aid_requests/appeal_form.html", {"aid_request": aid_request, "form": form}
    )


@require_GET
@require_capability(Capability.REVIEW_APPEALS)
def appeal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "aid_requests/appeal_list.html", {"appeals": selectors.pending_appeals()}
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.REVIEW_APPEALS)
@require_personal_data
def appeal_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    appeal = selectors.get_pending_appeal(pk)
    form = AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_decide_step(
                appeal_id=appeal.pk,
                decided_by=request.user,
                overturn=form.cleaned_data["outcome"] == "overturn",
                note=form.cleaned_data["note"],
            )
        except AidRequestError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The appeal was decided and the applicant notified."))
        return redirect("aid_requests:appeals")
    return render(request, "aid_requests/appeal_decide.html", {"appeal": appeal, "form": form})


@require_GET
@require_capability(Capability.MANAGE_AID_TYPES)
def aid_type_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "aid_requests/aid_type_list.html", {"aid_types": selectors.aid_types_for_admin()}
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.MANAGE_AID_TYPES)
def aid_type_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    aid_type = None
    if pk is not None:
        aid_type = selectors.aid_types_for_admin().filter(pk=pk).first()
        if aid_type is None:
            raise Http404
    form = AidTypeForm(request.POST or None, instance=aid_type or AidType())
    if request.method == "POST" and form.is_valid():
        try:
            aid_type_save(
                actor=request.user,
                aid_type=aid_type,
                data=form.cleaned_data,
            )
        except AidRequestError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The aid type was saved."))
            return redirect(reverse("aid_requests:aid_types"))
    return render(request, "aid_requests/aid_type_form.html", {"form": form, "aid_type": aid_type})
