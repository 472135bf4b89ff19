"""Reads for applicants: only ever their own data.

Every object an applicant opens by id goes through one ``get_<thing>_for_user`` function here,
which returns the object or raises Http404 for anything that is not theirs (another person's
id and a missing id look the same).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet, Sum
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import parse_civil_id
from accounts.models import Role, User
from accounts.permissions import Capability, can
from accounts.phones import normalise_mobile
from applicants.models import (
    ApplicantProfile,
    Document,
    HouseholdMember,
    IncomeKind,
    IncomeSource,
    MonthlyObligation,
    PossibleDuplicate,
    ReviewStatus,
)
from audit.models import AuditEntry
from config.rows import Read, RowsWhere


def profile_of(user: User) -> ApplicantProfile | None:
    return ApplicantProfile.objects.filter(user=user).select_related("governorate").first()


def birth_date_of(user: User) -> datetime.date | None:
    """The birth date carried by ``user``'s civil ID (None under a scheme without one)."""
    try:
        return parse_civil_id(user.civil_id or "").birth_date
    except ValidationError:
        return None


def is_profile_held(user: User, *, held_statuses: Collection[str]) -> bool:
    """True once a charity holds (or held) one of ``user``'s requests: changes are then kept.

    ``held_statuses``: ``aid_requests.models.HELD_STATUSES``, passed in by the caller (requests
    are a layer above the applicants).
    """
    return user.aid_requests.filter(status__in=held_statuses).exists()


# --- the declared rows, scoped to their owner ---------------------------------------------


def members_of(user: User) -> QuerySet[HouseholdMember]:
    return HouseholdMember.objects.filter(profile__user=user).order_by("id")


def incomes_of(user: User) -> QuerySet[IncomeSource]:
    return IncomeSource.objects.filter(profile__user=user).order_by("id")


def obligations_of(user: User) -> QuerySet[MonthlyObligation]:
    return MonthlyObligation.objects.filter(profile__user=user).order_by("id")


def documents_of(user: User) -> QuerySet[Document]:
    return Document.objects.filter(profile__user=user).order_by("id")


@dataclass(frozen=True)
class HouseholdRows:
    members: list[HouseholdMember]
    incomes: list[IncomeSource]
    obligations: list[MonthlyObligation]

    @classmethod
    def of(cls, read: Sequence[list[Any]]) -> HouseholdRows:
        """The lists ``household_reads`` read (none when there was no profile)."""
        members, incomes, obligations = read or ([], [], [])
        return cls(members=members, incomes=incomes, obligations=obligations)


def household_reads(profile: ApplicantProfile | None) -> list[Read]:
    """The reads of ``members_of``, ``incomes_of`` and ``obligations_of`` for a page that has
    read the applicant's ``profile`` already (the case page reads it with the case), to send
    with the page's other reads (``config.rows.read_together``; ``HouseholdRows.of`` makes
    their result): the rows are filtered on the profile itself, without joining it again,
    and an applicant without a profile yet has none to read (issue 19)."""
    if profile is None:
        return []
    return [
        RowsWhere(model, "profile", profile.pk, ("id",), profile)
        for model in (HouseholdMember, IncomeSource, MonthlyObligation)
    ]


def document_in_live_request(document: Document, *, live_statuses: Collection[str]) -> bool:
    """True while ``document`` is attached to a request that is not finished.

    Finished: withdrawn, ineligible, rejected or closed, i.e. every status outside
    ``live_statuses`` (``aid_requests.models.LIVE_STATUSES``, passed in by the caller). Such a
    document may not be removed (``services.documents.document_remove``).
    """
    return document.aid_requests.filter(status__in=live_statuses).exists()


def documents_in_live_requests(user: User, *, live_statuses: Collection[str]) -> set[int]:
    """Ids of ``user``'s documents attached to a request still in progress (one query)."""
    return set(
        documents_of(user)
        .filter(aid_requests__status__in=live_statuses)
        .values_list("pk", flat=True)
        .distinct()
    )


def members_listed_elsewhere(user: User) -> set[int]:
    """Ids of ``user``'s members with an open possible duplicate (never who or where)."""
    return set(
        PossibleDuplicate.objects.filter(
            profile__user=user,
            status=ReviewStatus.OPEN,
            member__isnull=False,
            member__civil_id=F("civil_id"),  # not once the civil ID was corrected
        ).values_list("member_id", flat=True)
    )


def get_member_for_user(user: User, pk: int) -> HouseholdMember:
    member = members_of(user).filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


def get_income_for_user(user: User, pk: int) -> IncomeSource:
    income = incomes_of(user).filter(pk=pk).first()
    if income is None:
        raise Http404
    return income


def get_obligation_for_user(user: User, pk: int) -> MonthlyObligation:
    obligation = obligations_of(user).filter(pk=pk).first()
    if obligation is None:
        raise Http404
    return obligation


# --- money --------------------------------------------------------------------------------

_FILS = Decimal("0.001")


@dataclass(frozen=True)
class HouseholdFinances:
    """The monthly figures of a household, in KWD."""

    income_total: Decimal
    obligations_total: Decimal
    household_size: int

    @property
    def net_income(self) -> Decimal:
        return self.income_total - self.obligations_total

    @property
    def per_capita(self) -> Decimal:
        return per_capita_income(
            incomes=[self.income_total],
            obligations=[self.obligations_total],
            household_size=self.household_size,
        )


def per_capita_income(
    *, incomes: Iterable[Decimal], obligations: Iterable[Decimal], household_size: int
) -> Decimal:
    """Monthly income per person after obligations, rounded to the fils (half up).

    (Σ incomes − Σ obligations) ÷ household size, the applicant included. Negative when the
    obligations exceed the income: that is what the household lives on, not an error.
    """
    if household_size < 1:
        raise ValueError("A household has at least one person: the applicant.")
    net = sum(incomes, Decimal(0)) - sum(obligations, Decimal(0))
    return (net / household_size).quantize(_FILS, rounding=ROUND_HALF_UP)


def household_finances(user: User) -> HouseholdFinances:
    """Totals and size of ``user``'s household (three aggregate queries)."""
    income = incomes_of(user).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    obligations = obligations_of(user).aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return HouseholdFinances(
        income_total=income,
        obligations_total=obligations,
        household_size=1 + members_of(user).count(),
    )


def household_finances_of(
    *,
    members: Collection[HouseholdMember],
    incomes: Iterable[IncomeSource],
    obligations: Iterable[MonthlyObligation],
) -> HouseholdFinances:
    """``household_finances`` from rows a page reads anyway (``members_of``, ``incomes_of``,
    ``obligations_of`` of one applicant): the same figures, no query."""
    return HouseholdFinances(
        income_total=sum((i.amount for i in incomes), Decimal(0)),
        obligations_total=sum((o.amount for o in obligations), Decimal(0)),
        household_size=1 + len(members),
    )


#: The declared kinds that the state agencies pay (in Kuwait pensions are paid by the Public
#: Institution for Social Security): screening replaces these lines by the larger of them and
#: the income verified with the agencies, so one benefit is not counted twice.
STATE_BENEFIT_INCOME_KINDS = frozenset({IncomeKind.SOCIAL_SECURITY, IncomeKind.PENSION})


def declared_state_income(user: User) -> Decimal:
    """The monthly income ``user``'s household declares as state benefits (one query)."""
    lines = incomes_of(user).filter(kind__in=STATE_BENEFIT_INCOME_KINDS)
    return lines.aggregate(total=Sum("amount"))["total"] or Decimal(0)


def household_civil_ids(user: User) -> list[str]:
    """The civil IDs of ``user`` and of every household member who has one, sorted."""
    members = members_of(user).exclude(civil_id="").values_list("civil_id", flat=True)
    return sorted({civil_id for civil_id in [user.civil_id, *members] if civil_id})


# --- the steps of the profile -------------------------------------------------------------


class Step(enum.StrEnum):
    """The pages of the profile, in order; the value is the URL segment and URL name suffix."""

    PERSONAL = "personal"
    HOUSEHOLD = "household"
    INCOMES = "incomes"
    OBLIGATIONS = "obligations"
    DOCUMENTS = "documents"
    CONSENT = "consent"
    REVIEW = "review"


STEP_LABELS: dict[Step, Promise] = {
    Step.PERSONAL: _("Personal details"),
    Step.HOUSEHOLD: _("Household"),
    Step.INCOMES: _("Income"),
    Step.OBLIGATIONS: _("Obligations"),
    Step.DOCUMENTS: _("Documents"),
    Step.CONSENT: _("Privacy consent"),
    Step.REVIEW: _("Review"),
}

#: The list steps and the profile field that records their confirmation.
CONFIRMED_FIELD: dict[Step, str] = {
    Step.HOUSEHOLD: "household_confirmed_at",
    Step.INCOMES: "incomes_confirmed_at",
    Step.OBLIGATIONS: "obligations_confirmed_at",
    Step.DOCUMENTS: "documents_confirmed_at",
}


def personal_step_complete(profile: ApplicantProfile | None, user: User) -> bool:
    if profile is None:
        return False
    required = (profile.name_ar, profile.gender, profile.nationality, profile.area, profile.address)
    return all(required) and profile.governorate_id is not None and is_valid_mobile(user.mobile)


def is_valid_mobile(mobile: str) -> bool:
    """True for a mobile number of the portal's country already in its stored E.164 form."""
    try:
        return normalise_mobile(mobile) == mobile
    except ValidationError:
        return False


def completed_steps(profile: ApplicantProfile | None, user: User) -> set[Step]:
    """The steps ``user`` has finished; the review counts once every other step is done.

    "Review" done is what "the profile is complete" means: aid-request submission requires it,
    so a profile without consent to the privacy notice cannot be used to apply.
    """
    done: set[Step] = set()
    if personal_step_complete(profile, user):
        done.add(Step.PERSONAL)
    if profile is not None:
        done |= {step for step, field in CONFIRMED_FIELD.items() if getattr(profile, field)}
        if profile.consented_at is not None:
            done.add(Step.CONSENT)
    if done >= set(Step) - {Step.REVIEW}:
        done.add(Step.REVIEW)
    return done


def first_incomplete_step(profile: ApplicantProfile | None, user: User) -> Step:
    """Where the profile entry point sends ``user``: the review once all is done."""
    done = completed_steps(profile, user)
    return next((step for step in Step if step not in done), Step.REVIEW)


def next_step(step: Step) -> Step:
    steps = list(Step)
    return steps[min(steps.index(step) + 1, len(steps) - 1)]


# --- for the ministry: one applicant, found by civil ID -----------------------------------

#: The audit action of a change of the protected flag (``applicant_protection_set``).
PROTECTION_ACTION = "applicant_profile.protection_set"


def applicant_id_for_civil_id(civil_id: str) -> int | None:
    """The user id of the applicant account with this civil ID, if any."""
    return (
        User.objects.filter(civil_id=civil_id, role=Role.APPLICANT)
        .values_list("pk", flat=True)
        .first()
    )


def get_applicant_for_ministry(user: User, pk: int) -> User:
    """The applicant account ``pk`` for ministry staff (read-only for officials); else 404.

    Ministry officials and administrators may open any applicant (each view is logged by the
    view); anyone else, or an id that is not an applicant's, gets 404.
    """
    if not can(user, Capability.VIEW_ALL_CASES):
        raise Http404
    applicant = User.objects.filter(pk=pk, role=Role.APPLICANT).first()
    if applicant is None:
        raise Http404
    return applicant


def protection_history(profile: ApplicantProfile) -> QuerySet[AuditEntry]:
    """Every change of ``profile``'s protected flag, newest first, with who made it and why."""
    return (
        AuditEntry.objects.filter(
            action=PROTECTION_ACTION,
            object_type=ApplicantProfile._meta.label_lower,
            object_id=str(profile.pk),
        )
        .select_related("actor")
        .order_by("-id")
    )
