"""Reads for the ministry's adjudication page: what waits for a decision, oldest first."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.permissions import Capability, can
from applicants.models import PossibleDuplicate, ReviewStatus
from dedup.models import ConflictStatus, CoverageConflict


def open_coverage_conflicts(user: User) -> QuerySet[CoverageConflict]:
    """Open coverage conflicts with both cases, oldest first (none for non-ministry users)."""
    if not can(user, Capability.VIEW_ALL_CASES):
        return CoverageConflict.objects.none()
    return (
        CoverageConflict.objects.filter(status=ConflictStatus.OPEN)
        .select_related(
            "aid_type",
            "aid_request__applicant",
            "aid_request__claimed_by",
            "held__aid_request__applicant",
            "held__organisation",
            "held__benefit_record__kind",
            "held__benefit_record__agency",
            "benefit_record__kind",
            "benefit_record__agency",
        )
        .order_by("opened_at", "pk")
    )


def open_possible_duplicates(user: User) -> QuerySet[PossibleDuplicate]:
    """Open possible duplicates with both households, oldest first."""
    if not can(user, Capability.VIEW_ALL_CASES):
        return PossibleDuplicate.objects.none()
    return (
        PossibleDuplicate.objects.filter(status=ReviewStatus.OPEN)
        .select_related(
            "profile__user", "member", "other_applicant", "other_profile", "other_member"
        )
        .order_by("detected_at", "pk")
    )


def get_conflict_for_ministry(user: User, pk: int) -> CoverageConflict:
    conflict = open_coverage_conflicts(user).filter(pk=pk).first()
    if conflict is None:
        raise Http404
    return conflict


def get_duplicate_for_ministry(user: User, pk: int) -> PossibleDuplicate:
    duplicate = open_possible_duplicates(user).filter(pk=pk).first()
    if duplicate is None:
        raise Http404
    return duplicate


def open_conflicts_of_cases(aid_request_id: int | OuterRef) -> QuerySet[CoverageConflict]:
    """Open conflicts a case is part of (held back, or covering the person). ``aid_request_id``
    may be an ``OuterRef``: ``Exists`` of this in the case's own query tells whether there are
    any, without a query of its own (issue 19)."""
    return CoverageConflict.objects.filter(status=ConflictStatus.OPEN).filter(
        Q(aid_request_id=aid_request_id) | Q(held__aid_request_id=aid_request_id)
    )


def open_conflicts_of_case(aid_request_id: int) -> list[CoverageConflict]:
    """Open conflicts a case is part of, for the case page of the organisation that holds it:
    the other side is not named."""
    return list(
        open_conflicts_of_cases(aid_request_id).select_related("held").order_by("opened_at", "pk")
    )
