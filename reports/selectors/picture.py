"""One beneficiary picture for the ministry: a civil ID, the household(s) it belongs to, and
everything those people received from charities and from the state on one timeline.

Personal data: the view that shows it asks for the second factor and audits every opening
(``reports.services.picture``). A family has a handful of rows, so this module reads them
whole and works in Python; the figures across the registry are in
``reports.selectors.sources`` (aggregates in SQL).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from aid_requests.models import HELD_STATUSES, AidRequest, AidScope, Payment
from applicants.models import ApplicantProfile, HouseholdMember
from benefits.models import BenefitRecord
from config.dates import month_number, month_of_number
from dedup.models import BINDING, AidCommitment
from reports.selectors.filters import name_of

CHARITY = "charity"
STATE = "state"


def month_runs(months: list[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Sorted first-of-month days as runs of consecutive months: (first, last) each."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for month in months:
        if runs and month_number(month) == month_number(runs[-1][1]) + 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


@dataclass(frozen=True)
class Person:
    """Someone of the household as the registry knows them."""

    civil_id: str
    name: str
    relation: str | Promise  # "Applicant", or the member's kinship
    is_subject: bool  # the civil ID that was looked up


@dataclass(frozen=True)
class Household:
    applicant_id: int  # the applicant's account
    applicant_name: str
    applicant_civil_id: str
    people: list[Person]


@dataclass(frozen=True)
class PaymentLine:
    period: int
    paid_on: datetime.date
    amount: Decimal


@dataclass
class Entry:
    """One line of the timeline: a charity case or a state benefit."""

    source: str  # CHARITY or STATE
    date: datetime.date  # when it starts (the timeline's order)
    start: datetime.date
    end: datetime.date | None  # None: until further notice (state benefits only)
    people: list[Person]  # whom it concerns
    # charity
    reference: str = ""
    organisation: str = ""
    aid_type: str = ""
    request_id: int | None = None
    status: str = ""  # the status's code (its badge's colour)
    status_label: str | Promise = ""
    approved_amount: Decimal | None = None
    approved_payments: int | None = None
    payments: list[PaymentLine] = field(default_factory=list)
    # state
    agency: str = ""
    benefit: str = ""
    monthly_amount: Decimal | None = None
    agency_reference: str = ""
    batch: str = ""
    batch_source: str | Promise = ""
    batch_date: datetime.date | None = None
    #: Months in which a person of ``people`` also received from the other source.
    both_months: list[datetime.date] = field(default_factory=list)

    @property
    def both_runs(self) -> list[tuple[datetime.date, datetime.date]]:
        return month_runs(self.both_months)

    @property
    def is_charity(self) -> bool:
        return self.source == CHARITY

    @property
    def paid_total(self) -> Decimal:
        return sum((line.amount for line in self.payments), Decimal("0.000"))


@dataclass(frozen=True)
class Overlap:
    """A person who received from a charity and from the state in the same months."""

    person: Person
    months: list[datetime.date]

    @property
    def runs(self) -> list[tuple[datetime.date, datetime.date]]:
        return month_runs(self.months)


@dataclass(frozen=True)
class Picture:
    civil_id: str
    subject: Person
    households: list[Household]
    entries: list[Entry]
    overlaps: list[Overlap]
    registered: bool  # a household lists the civil ID, or it has an applicant account

    @property
    def on_record(self) -> bool:
        """The registry or an agency knows this civil ID at all."""
        return self.registered or bool(self.entries)

    @property
    def in_registry(self) -> bool:
        """A household lists the person, or they have an applicant account."""
        return self.registered

    @property
    def sources(self) -> set[str]:
        return {entry.source for entry in self.entries}


# --- who the person is ------------------------------------------------------------------------


def _households(civil_id: str) -> list[ApplicantProfile]:
    """The households the civil ID belongs to: as the applicant, or as a listed member (a
    person listed in two households shows both)."""
    return list(
        ApplicantProfile.objects.filter(Q(user__civil_id=civil_id) | Q(members__civil_id=civil_id))
        .distinct()
        .select_related("user")
        .prefetch_related(
            Prefetch("members", queryset=HouseholdMember.objects.order_by("pk"), to_attr="listed")
        )
        .order_by("pk")
    )


def _household(profile: ApplicantProfile, civil_id: str) -> Household:
    applicant_civil_id = profile.user.civil_id or ""
    people = [
        Person(
            civil_id=applicant_civil_id,
            name=(profile.name_en if get_language() == "en" else "") or profile.name_ar,
            relation=_("Applicant"),
            is_subject=applicant_civil_id == civil_id,
        )
    ]
    people += [
        Person(
            civil_id=member.civil_id,
            name=member.name,
            relation=member.get_kinship_display(),
            is_subject=member.civil_id == civil_id,
        )
        for member in profile.listed  # type: ignore[attr-defined]
    ]
    return Household(
        applicant_id=profile.user_id,
        applicant_name=people[0].name,
        applicant_civil_id=applicant_civil_id,
        people=people,
    )


# --- what they received ----------------------------------------------------------------------


def _charity_entries(
    people: dict[str, Person], applicant_civil_ids: set[str]
) -> tuple[list[Entry], list[tuple[str, datetime.date, datetime.date]]]:
    """The cases a charity holds or held for anyone of ``people``, and each person's covered
    periods (civil ID, first day, last day) for the months of both sources.

    A case covers the people its binding commitments name (the one-aid-type rule's own record
    of whom it covers). A held case of the household's applicant without commitments (older
    data) covers its beneficiary, or the whole household for household aid.
    """
    commitments = list(
        AidCommitment.objects.filter(civil_id__in=people, status__in=BINDING)
        .values_list("aid_request_id", "civil_id", "period_start", "period_end")
        .order_by("period_start", "pk")
    )
    covered: dict[int, list[tuple[str, datetime.date, datetime.date]]] = defaultdict(list)
    for request_id, civil_id, start, end in commitments:
        covered[request_id].append((civil_id, start, end))
    requests = (
        AidRequest.objects.filter(
            Q(pk__in=covered.keys())
            | Q(applicant__civil_id__in=applicant_civil_ids, status__in=HELD_STATUSES)
        )
        .select_related("aid_type", "claimed_by", "applicant")
        .prefetch_related(
            Prefetch("payments", queryset=Payment.objects.order_by("period"), to_attr="paid")
        )
        .order_by("pk")
    )
    entries: list[Entry] = []
    periods: list[tuple[str, datetime.date, datetime.date]] = []
    for aid_request in requests:
        spans = covered.get(aid_request.pk)
        if not spans:
            spans = [
                (civil_id, aid_request.coverage_start, aid_request.coverage_end)
                for civil_id in _covered_without_commitments(aid_request, people)
            ]
        periods += spans
        concerned = list(dict.fromkeys(civil_id for civil_id, _s, _e in spans))
        start = min((s for _c, s, _e in spans), default=aid_request.coverage_start)
        entries.append(
            Entry(
                source=CHARITY,
                date=start,
                start=start,
                end=max((e for _c, _s, e in spans), default=aid_request.coverage_end),
                people=[people[civil_id] for civil_id in concerned if civil_id in people],
                reference=aid_request.reference,
                organisation=name_of(aid_request.claimed_by),
                aid_type=name_of(aid_request.aid_type),
                request_id=aid_request.pk,
                status=aid_request.status,
                status_label=aid_request.get_status_display(),
                approved_amount=aid_request.approved_amount,
                approved_payments=aid_request.approved_payments,
                payments=[
                    PaymentLine(period=p.period, paid_on=p.paid_on, amount=p.amount)
                    for p in aid_request.paid  # type: ignore[attr-defined]
                ],
            )
        )
    return entries, periods


def _covered_without_commitments(aid_request: AidRequest, people: dict[str, Person]) -> list[str]:
    if aid_request.is_for_member:
        return [aid_request.beneficiary_civil_id or ""]
    applicant = aid_request.applicant.civil_id or ""
    if aid_request.aid_type.scope != AidScope.HOUSEHOLD:
        return [applicant]
    # The household of this applicant, as listed now.
    household = HouseholdMember.objects.filter(profile__user=aid_request.applicant)
    return [applicant, *household.values_list("civil_id", flat=True)]


def _state_entries(people: dict[str, Person]) -> list[Entry]:
    records = (
        BenefitRecord.objects.filter(civil_id__in=people)
        .select_related("agency", "kind", "batch")
        .order_by("start_date", "pk")
    )
    return [
        Entry(
            source=STATE,
            date=record.start_date,
            start=record.start_date,
            end=record.end_date,
            people=[people[record.civil_id]],
            agency=name_of(record.agency),
            benefit=name_of(record.kind),
            monthly_amount=record.monthly_amount,
            agency_reference=record.reference,
            batch=record.batch.file_name,
            batch_source=record.batch.get_source_display(),
            batch_date=record.batch.started_at.date(),
        )
        for record in records
    ]


def _months(start: datetime.date, end: datetime.date) -> set[int]:
    return set(range(month_number(start), month_number(end) + 1))


def _mark_both(
    charity: list[Entry],
    state: list[Entry],
    periods: list[tuple[str, datetime.date, datetime.date]],
    people: dict[str, Person],
) -> list[Overlap]:
    """The months each person received from both sources; each entry learns its own."""
    charity_months: dict[str, set[int]] = defaultdict(set)
    for civil_id, start, end in periods:
        charity_months[civil_id] |= _months(start, end)
    both: dict[str, set[int]] = defaultdict(set)
    for entry in state:
        civil_id = entry.people[0].civil_id
        months = charity_months.get(civil_id, set())
        if not months:
            continue
        # Open-ended: it reaches every covered month from its start on.
        last = entry.end or month_of_number(max(months))
        shared = _months(entry.start, last) & months
        entry.both_months = [month_of_number(n) for n in sorted(shared)]
        both[civil_id] |= shared
    for entry in charity:
        shared = set()
        for civil_id, start, end in periods:
            if civil_id in {person.civil_id for person in entry.people}:
                shared |= _months(start, end) & both.get(civil_id, set())
        entry.both_months = [month_of_number(n) for n in sorted(shared)]
    return [
        Overlap(person=people[civil_id], months=[month_of_number(n) for n in sorted(months)])
        for civil_id, months in sorted(both.items())
        if months
    ]


def _outside_households(civil_id: str) -> Person | None:
    """Someone no household lists: an applicant who has not started a profile (None: a
    person only the agencies know, or nobody)."""
    account = User.objects.filter(civil_id=civil_id, role=Role.APPLICANT).first()
    if account is not None:
        return Person(
            civil_id=civil_id,
            name=account.full_name,
            relation=_("Applicant (profile not started)"),
            is_subject=True,
        )
    return None


def beneficiary_picture(civil_id: str) -> Picture:
    """Everything on record for ``civil_id`` (already validated) and its household(s): newest
    first. A civil ID nobody knows gives a picture with no household and no entry."""
    households = [_household(profile, civil_id) for profile in _households(civil_id)]
    people: dict[str, Person] = {}
    for household in households:
        for person in household.people:
            people.setdefault(person.civil_id, person)
    subject = people.get(civil_id) or _outside_households(civil_id)
    registered = subject is not None
    if subject is None:
        subject = Person(
            civil_id=civil_id, name="", relation=_("Not in the registry"), is_subject=True
        )
    people.setdefault(civil_id, subject)
    applicant_civil_ids = {household.applicant_civil_id for household in households}
    charity, periods = _charity_entries(people, applicant_civil_ids)
    state = _state_entries(people)
    overlaps = _mark_both(charity, state, periods, people)
    entries = sorted(
        charity + state, key=lambda entry: (entry.date, entry.source == CHARITY), reverse=True
    )
    return Picture(
        civil_id=civil_id,
        subject=subject,
        households=households,
        entries=entries,
        overlaps=overlaps,
        registered=registered,
    )
