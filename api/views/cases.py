"""The case endpoints: claim, the case file, approve, payments, release, reject, messages.

Each does what the matching page does (``charities.views.cases``): the same access function
first (404 for a case this organisation does not hold, 403 for one it may only read), the
same form for the body, then the same service. The client's token stands in for the page's
second factor: only a manager who passed it can create a client (``api.services``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from aid_requests.models import AidRequest
from aid_requests.services.cases import aid_request_view_logged, case_message_send
from api.idempotency import idempotent
from api.models import Scope
from api.openapi import CASE_PROBLEMS, GET_HEADERS, POST_HEADERS
from api.serializers import (
    ApproveBody,
    CaseSerializer,
    CaseStatusSerializer,
    MessageBody,
    MessageSerializer,
    PaymentBody,
    PaymentSerializer,
    ReasonBody,
)
from api.views.base import ApiView, body, form_data
from applicants import selectors as applicant_selectors
from audit.services import client_ip
from charities import selectors
from charities.forms import ApproveForm, CaseMessageForm, PaymentForm, ReasonForm
from charities.services.cases import aid_request_reject, aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve, next_period, payment_record

#: The case's token is its second factor (see the module's docstring).
TOKEN_IS_SECOND_FACTOR = True

ERRORS = CASE_PROBLEMS


def _named(obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "code": obj.code, "name": str(obj)}


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.3f}"


def _payment(payment: Any) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "period": payment.period,
        "amount": _money(payment.amount),
        "paid_on": payment.paid_on.isoformat(),
        "method": payment.method,
        "reference": payment.reference,
        "recorded_at": payment.recorded_at.isoformat(),
    }


def _status(aid_request: AidRequest) -> dict[str, Any]:
    return {"id": aid_request.pk, "status": aid_request.status}


class ClaimView(ApiView):
    required_scopes = (Scope.CLAIM,)

    @extend_schema(
        parameters=POST_HEADERS,
        operation_id="case_claim",
        request=None,
        responses={200: CaseStatusSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Claim an open request of the queue for this organisation (the aid slot is reserved
        in the same transaction). 409 `no_longer_open` when another organisation was first,
        `duplicate_aid` when someone the case covers already holds this aid type."""
        aid_request, _organisation = selectors.get_open_request_for_staff(request.user, pk)
        claimed = aid_request_claim(
            aid_request_id=aid_request.pk,
            actor=request.user,
            second_factor_passed=TOKEN_IS_SECOND_FACTOR,
        )
        return Response(_status(claimed))


class CaseView(ApiView):
    required_scopes = (Scope.MANAGE_CASES, Scope.PAYMENTS)

    @extend_schema(
        parameters=GET_HEADERS, operation_id="case_read", responses={200: CaseSerializer, **ERRORS}
    )
    def get(self, request: Request, pk: int) -> Response:
        """The full file of a case this organisation holds; every read is logged."""
        aid_request, _organisation = selectors.get_case_for_staff(request.user, pk)
        aid_request_view_logged(
            aid_request=aid_request, viewer=request.user, ip_address=client_ip(request)
        )
        applicant = aid_request.applicant
        data = {
            **_status(aid_request),
            "read_only": selectors.case_is_read_only(aid_request),
            "aid_type": _named(aid_request.aid_type),
            "governorate": _named(aid_request.governorate),
            "amount_requested": _money(aid_request.amount_requested),
            "approved_amount": _money(aid_request.approved_amount),
            "approved_payments": aid_request.approved_payments,
            "next_period": next_period(aid_request),
            "need_score": aid_request.need_score,
            "household_size": aid_request.household_size,
            "coverage_start": aid_request.coverage_start.isoformat(),
            "coverage_end": aid_request.coverage_end.isoformat(),
            "claimed_at": aid_request.claimed_at and aid_request.claimed_at.isoformat(),
            "applicant_name": applicant.full_name,
            "applicant_civil_id": applicant.civil_id or "",
            "beneficiary_civil_id": aid_request.beneficiary_civil_id,
            "members": [
                {"name": m.name, "civil_id": m.civil_id, "kinship": m.kinship}
                for m in applicant_selectors.members_of(applicant)
            ],
            "payments": [_payment(p) for p in aid_request.payments.order_by("period")],
        }
        return Response(data)


class ApproveView(ApiView):
    required_scopes = (Scope.MANAGE_CASES,)

    @extend_schema(
        parameters=POST_HEADERS,
        operation_id="case_approve",
        request=ApproveBody,
        responses={200: CaseStatusSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Approve an amount per payment and the number of payments."""
        aid_request, _organisation = selectors.get_case_for_staff(request.user, pk, write=True)
        data = form_data(ApproveForm(body(request), aid_request=aid_request))
        approved = aid_request_approve(
            aid_request_id=pk,
            actor=request.user,
            amount=data["amount"],
            payments=data["payments"],
            second_factor_passed=TOKEN_IS_SECOND_FACTOR,
        )
        return Response(_status(approved))


class PaymentsView(ApiView):
    required_scopes = (Scope.PAYMENTS,)

    @extend_schema(
        parameters=POST_HEADERS,
        operation_id="case_payment_record",
        request=PaymentBody,
        responses={201: PaymentSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Record the payment of a period (`period`: the one the case file calls
        `next_period`; a second call for the same period is refused)."""
        selectors.get_case_for_staff(request.user, pk, write=True)
        data = form_data(PaymentForm(body(request)))
        payment = payment_record(
            aid_request_id=pk,
            actor=request.user,
            amount=data["amount"],
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
            period=data["period"],
            second_factor_passed=TOKEN_IS_SECOND_FACTOR,
        )
        return Response(_payment(payment), status=201)


class ReleaseView(ApiView):
    required_scopes = (Scope.MANAGE_CASES,)

    @extend_schema(
        parameters=POST_HEADERS,
        operation_id="case_release",
        request=ReasonBody,
        responses={200: CaseStatusSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Give a claimed case back to the queue, with a reason."""
        selectors.get_case_for_staff(request.user, pk, write=True)
        data = form_data(ReasonForm(body(request)))
        released = aid_request_release(
            aid_request_id=pk,
            actor=request.user,
            reason=data["reason"],
            second_factor_passed=TOKEN_IS_SECOND_FACTOR,
        )
        return Response(_status(released))


class RejectView(ApiView):
    required_scopes = (Scope.MANAGE_CASES,)

    @extend_schema(
        parameters=POST_HEADERS,
        operation_id="case_reject",
        request=ReasonBody,
        responses={200: CaseStatusSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Reject a case this organisation holds, with a reason (the applicant may appeal)."""
        selectors.get_case_for_staff(request.user, pk, write=True)
        data = form_data(ReasonForm(body(request)))
        rejected = aid_request_reject(
            aid_request_id=pk,
            actor=request.user,
            reason=data["reason"],
            second_factor_passed=TOKEN_IS_SECOND_FACTOR,
        )
        return Response(_status(rejected))


def _message(message: Any, applicant_id: int) -> dict[str, Any]:
    return {
        "id": message.pk,
        "body": message.body,
        "sent_at": message.sent_at.isoformat(),
        "from_applicant": message.sender_id == applicant_id,
    }


class MessagesView(ApiView):
    required_scopes = (Scope.MANAGE_CASES,)

    @extend_schema(
        parameters=GET_HEADERS,
        operation_id="case_messages_list",
        responses={200: MessageSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The messages between this organisation and the applicant, oldest first."""
        aid_request, _organisation = selectors.get_case_for_staff(request.user, pk)
        messages = aid_request.messages.order_by("sent_at", "id")
        return Response([_message(m, aid_request.applicant_id) for m in messages])

    @extend_schema(
        parameters=POST_HEADERS,
        operation_id="case_message_send",
        request=MessageBody,
        responses={201: MessageSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        """Write to the applicant (who is notified)."""
        aid_request, _organisation = selectors.get_case_for_staff(request.user, pk, write=True)
        data = form_data(CaseMessageForm(body(request)))
        message = case_message_send(aid_request_id=pk, sender=request.user, body=data["body"])
        return Response(_message(message, aid_request.applicant_id), status=201)
