"""Reads of aid requests, always scoped to the user asking."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import Capability, acting_organisation, can, may_see_personal_data
from aid_requests.models import (
    LIVE_STATUSES,
    AidRequest,
    AidType,
    Appeal,
    AppealDecision,
    held_by,
)
from applicants.models import Document


def catalogue() -> QuerySet[AidType]:
    return AidType.objects.filter(is_active=True).order_by("id")


def get_active_aid_type(code: str) -> AidType:
    aid_type = catalogue().filter(code=code).first()
    if aid_type is None:
        raise Http404
    return aid_type


def live_request_of(applicant: User, aid_type: AidType) -> AidRequest | None:
    """The applicant's request of this type for themselves (or their household) in progress."""
    return AidRequest.objects.filter(
        applicant=applicant,
        aid_type=aid_type,
        status__in=LIVE_STATUSES,
        beneficiary_civil_id__isnull=True,
    ).first()


def get_request_for_applicant(user: User, pk: int) -> AidRequest:
    """The applicant's own request; 404 for anyone else's."""
    aid_request = (
        AidRequest.objects.select_related(
            "aid_type", "governorate", "claimed_by", "beneficiary_member"
        )
        .filter(pk=pk, applicant=user)
        .first()
    )
    if aid_request is None:
        raise Http404
    return aid_request


def get_request_for_user(user: User, pk: int) -> tuple[AidRequest, bool]:
    """A request and whether ``user`` may act on it (False: read-only).

    Applicants: their own requests. Ministry staff: any request, read-only (each view of
    personal data is logged by the view). Charity staff: the cases they hold (claiming). Anyone
    else, or a request they may not see: 404.
    """
    if user.is_applicant:
        return get_request_for_applicant(user, pk), True
    if can(user, Capability.VIEW_ALL_CASES):
        aid_request = (
            AidRequest.objects.select_related("aid_type", "governorate", "claimed_by", "applicant")
            .filter(pk=pk)
            .first()
        )
        if aid_request is None:
            raise Http404
        return aid_request, False
    raise Http404


def pending_appeals() -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(decision=AppealDecision.PENDING)
        .select_related("aid_request__aid_type", "aid_request__governorate")
        .order_by("lodged_at")
    )


def get_pending_appeal(pk: int) -> Appeal:
    appeal = pending_appeals().filter(pk=pk).first()
    if appeal is None:
        raise Http404
    return appeal


def aid_types_for_admin() -> QuerySet[AidType]:
    return AidType.objects.order_by("id")


# --- the applicant's side: their requests and the documents attached to requests ----------


def requests_of_applicant(user: User) -> QuerySet[AidRequest]:
    """``user``'s own requests, newest first (their list, and the ministry's applicant page)."""
    return (
        AidRequest.objects.filter(applicant=user)
        .select_related("aid_type", "claimed_by")
        .order_by("-submitted_at")
    )


def get_document_for_user(user: User, pk: int, *, second_factor_passed: bool = False) -> Document:
    """The document ``pk`` if ``user`` may open it, else Http404. The one access rule for files.

    The applicant who uploaded it; and staff of the organisation holding a request the document
    is attached to (claimed or later), in a session that passed the second factor where one is
    required (``second_factor_passed``: the view's verdict on the session).
    """
    if user.is_applicant:
        allowed = Document.objects.filter(profile__user=user)
    elif (organisation := acting_organisation(user)) is not None and may_see_personal_data(
        user, second_factor_passed=second_factor_passed
    ):
        allowed = Document.objects.filter(held_by(organisation.pk, via="aid_requests__")).distinct()
    else:
        allowed = Document.objects.none()
    document = allowed.select_related("profile").filter(pk=pk).first()
    if document is None:
        raise Http404
    return document
