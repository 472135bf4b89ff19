"""Reads for charity staff, always scoped to the organisation the user acts for."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Capability, acting_organisation, can
from aid_requests.models import (
    AidRequest,
    AidScope,
    RequestStatus,
    age_band,
    held_by,
)
from applicants.models import HouseholdMember, Kinship
from charities.models import (
    Organisation,
    OrganisationStatus,
    OrganisationStatusChange,
    StaffMembership,
)
from charities.queue_sql import QUEUE_COLUMNS, QUEUE_FIELDS, Licence, licence_of, queue_sql
from config.rows import converted, from_row


def organisation_for_staff(user: User) -> Organisation | None:
    """The active organisation ``user`` acts for, or None: the rule is
    ``accounts.permissions.acting_organisation``'s; this is its answer as an ``Organisation``
    (the membership and the organisation it read are cached on the user: no query)."""
    if acting_organisation(user) is None:
        return None
    return user.membership.organisation


def open_requests_in_licence(organisation: Organisation) -> QuerySet[AidRequest]:
    """Open requests this organisation's licence covers (its aid types and governorates)."""
    return AidRequest.objects.filter(
        status=RequestStatus.OPEN,
        covered_until__isnull=True,  # covered elsewhere: out of every queue (charities.coverage)
        aid_type__in=organisation.aid_types.all(),
        governorate__in=organisation.governorates.all(),
    )


def staff_of(organisation: Organisation) -> QuerySet[StaffMembership]:
    return (
        StaffMembership.objects.filter(
            organisation=organisation, is_active=True, is_service_account=False
        )
        .select_related("user")
        .order_by("user__full_name")
    )


# --- which cases an organisation may open --------------------------------------------------
#
# Who holds a case is ``aid_requests.models.held_by`` (the organisation named in ``claimed_by``
# AND a held status: ``claimed_by`` alone survives a rejection and an overturned appeal).

#: The organisation rejected the case: it keeps read-only access while the case stays rejected
#: (the reason is on its timeline), and loses it as soon as the applicant appeals.
CASE_STATUSES_READ_ONLY = (RequestStatus.REJECTED,)


def held_requests(organisation: Organisation) -> QuerySet[AidRequest]:
    """Every case this organisation may open now (held, or rejected by it and still rejected)."""
    return AidRequest.objects.filter(
        held_by(organisation.pk) | Q(claimed_by=organisation, status__in=CASE_STATUSES_READ_ONLY)
    )


# --- the shared queue ---------------------------------------------------------------------

QUEUE_PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilters:
    aid_type: int | None = None
    governorate: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    min_score: int | None = None
    sort: str = "score"  # "score" (highest need first) or "oldest"


@dataclass(frozen=True)
class QueuePage:
    rows: list[AidRequest]
    next_cursor: str | None


def _parse_cursor(after: str, sort: str) -> tuple[datetime.datetime | int, int] | None:
    """The (sort key, id) of a cursor written by ``queue_for``; None when it cannot be read.

    A cursor comes from the address bar, so anything may arrive: a cut-off link, a cursor of
    the other sort order, plain garbage. An unreadable one means "from the first page".
    """
    head, sep, tail = after.partition("|")
    if not sep:
        return None
    try:
        pk = int(tail)
        key: datetime.datetime | int
        if sort == "oldest":
            key = datetime.datetime.fromisoformat(head)
            if timezone.is_naive(key):
                return None
        else:
            key = int(head)
    except ValueError:
        return None
    if pk < 1 or (isinstance(key, int) and not 0 <= key <= 100):
        return None
    return key, pk


def queue_for(
    organisation: Organisation,
    filters: QueueFilters,
    *,
    after: str | None = None,
    limit: int = QUEUE_PAGE_SIZE,
    licence: Licence | None = None,
) -> QueuePage:
    """Open requests the licence covers, anonymised by the template, keyset-paginated.

    ``after`` is the cursor of the last row shown ("<score>|<id>" or "<timestamp>|<id>"); a
    deep page costs the same as the first (no OFFSET). A cursor that cannot be read is ignored
    (the first page is shown), never an error. ``licence`` is ``licence_of(organisation)``
    when the caller has read it already (the filter form's choices); each row's aid type and
    governorate are its objects, not joined in.
    """
    if licence is None:
        licence = licence_of(organisation)
    if not licence.aid_types or not licence.governorates:
        return QueuePage(rows=[], next_cursor=None)
    using = router.db_for_read(AidRequest)
    connection = connections[using]
    cursor = _parse_cursor(after, filters.sort) if after else None
    conditions: list[tuple[str, str, Any]] = [
        ("aid_type", "IN", list(licence.aid_types)),
        ("governorate", "IN", list(licence.governorates)),
    ]
    for name, operator, value in (
        ("aid_type", "=", filters.aid_type or None),
        ("governorate", "=", filters.governorate or None),
        ("amount_requested", ">=", filters.min_amount),
        ("amount_requested", "<=", filters.max_amount),
        ("need_score", ">=", filters.min_score),
    ):
        if value is not None:
            conditions.append((name, operator, value))
    shape = (
        tuple(
            (name, operator, len(v) if operator == "IN" else 1) for name, operator, v in conditions
        ),
        filters.sort == "oldest",
        cursor is not None,
    )
    params: list[Any] = []
    for name, operator, value in conditions:
        field = QUEUE_FIELDS[name]
        for one in value if operator == "IN" else [value]:
            params.append(field.get_db_prep_value(one, connection))
    if cursor is not None:
        key, pk = cursor
        key = QUEUE_FIELDS["submitted_at" if shape[1] else "need_score"].get_db_prep_value(
            key, connection
        )
        params += [key, pk]
    params.append(limit + 1)
    with connection.cursor() as db_cursor:
        db_cursor.execute(queue_sql(shape, using), params)
        found = db_cursor.fetchall()
    rows: list[AidRequest] = []
    for values in found:
        row = from_row(AidRequest, values[:-2], fields=QUEUE_COLUMNS, using=using)
        # Of the beneficiary only what the queue shows (relation, age band): never the name or
        # the civil ID, which the organisation sees once it holds the case.
        row.beneficiary_kinship, row.beneficiary_birth_date = (
            values[-2],
            (converted(HouseholdMember, "birth_date", values[-1], using=using)),
        )
        rows.append(_with_licence_objects(row, licence))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = (
            f"{last.submitted_at.isoformat()}|{last.pk}"
            if filters.sort == "oldest"
            else f"{last.need_score}|{last.pk}"
        )
    return QueuePage(rows=rows, next_cursor=next_cursor)


_AID_TYPE = AidRequest._meta.get_field("aid_type")
_GOVERNORATE = AidRequest._meta.get_field("governorate")


def _with_licence_objects(row: AidRequest, licence: Licence) -> AidRequest:
    """``row`` with its aid type and governorate set from the licence's objects (read once
    per organisation), so that showing them reads nothing more."""
    _AID_TYPE.set_cached_value(row, licence.aid_types[row.aid_type_id])
    _GOVERNORATE.set_cached_value(row, licence.governorates[row.governorate_id])
    return row


def queue_beneficiary(aid_request: AidRequest, today: datetime.date) -> tuple[str, str]:
    """Whom a queue row is for, anonymised: (relation to the applicant, age band or "").

    ``aid_request`` comes from ``queue_for`` (annotated with the member's kinship and birth
    date). Household aid is for the whole household; a request naming no member is for the
    applicant; a member since removed from the household keeps "household member".
    """
    if aid_request.aid_type.scope == AidScope.HOUSEHOLD:
        return str(_("The whole household")), ""
    if not aid_request.is_for_member:
        return str(_("The applicant")), ""
    kinship = getattr(aid_request, "beneficiary_kinship", None)
    relation = Kinship(kinship).label if kinship in Kinship.values else _("Household member")
    return str(relation), age_band(getattr(aid_request, "beneficiary_birth_date", None), today)


def cases_of(organisation: Organisation) -> QuerySet[AidRequest]:
    """What this organisation may open ("my cases"), newest claim first."""
    return (
        held_requests(organisation)
        .select_related("aid_type", "governorate")
        .order_by("-claimed_at", "-id")
    )


def get_case_for_staff(
    user: User, pk: int, *, write: bool = False
) -> tuple[AidRequest, Organisation]:
    """A case of the organisation ``user`` acts for (see ``held_requests``).

    404 for any request this organisation does not hold now — another organisation's, one it
    released, one reopened after an appeal. ``write=True`` (the case's actions): 403 for a case
    it may only read (one it rejected).
    """
    organisation = organisation_for_staff(user)
    if organisation is None:
        raise Http404
    aid_request = _one_case(
        held_requests(organisation).select_related(
            "aid_type",
            "governorate",
            "applicant__applicant_profile__governorate",  # the case file's (one query less)
            "beneficiary_member",
        ),
        pk,
    )
    if write and not aid_request.is_held_by(organisation.pk):
        raise PermissionDenied
    return aid_request, organisation


def _one_case(query: QuerySet[AidRequest], pk: int) -> AidRequest:
    """The case ``pk`` of ``query``, or 404. Not ``first()``: ordering rows by their primary
    key to keep one costs more to build than the rest of the query (issue 19)."""
    rows = list(query.filter(pk=pk)[:1])
    if not rows:
        raise Http404
    return rows[0]


def case_is_read_only(aid_request: AidRequest) -> bool:
    """True for a case its organisation may only read (one it rejected)."""
    return aid_request.claimed_by_id is None or not aid_request.is_held_by(
        aid_request.claimed_by_id
    )


def get_open_request_for_staff(user: User, pk: int) -> tuple[AidRequest, Organisation]:
    """A request in the queue's licence of ``user``'s organisation; 404 otherwise (the claim
    itself checks again, under its lock, that it is open and licensed).

    The licence as id lists (``licence_of``), not joined subqueries: PostgreSQL planned that
    statement in 5 ms, as the queue's (issue 19). The aid type and governorate are the
    licence's objects."""
    organisation = organisation_for_staff(user)
    if organisation is None:
        raise Http404
    licence = licence_of(organisation)
    aid_request = (
        AidRequest.objects.filter(
            pk=pk,
            aid_type_id__in=list(licence.aid_types),
            governorate_id__in=list(licence.governorates),
        )
        .only("id", "aid_type", "governorate", "status")
        .first()
    )
    if aid_request is None:
        raise Http404
    return _with_licence_objects(aid_request, licence), organisation


# --- licensing (ministry administrators) ----------------------------------------------------


def organisations_for_licensing(user: User, *, status: str | None = None) -> QuerySet[Organisation]:
    """Every organisation, newest application first, for a user who may license them."""
    if not can(user, Capability.LICENSE_ORGANISATIONS):
        return Organisation.objects.none()
    query = Organisation.objects.annotate(
        staff_count=Count(
            "memberships",
            filter=Q(memberships__is_active=True, memberships__is_service_account=False),
        )
    ).order_by("-created_at", "-id")
    if status in OrganisationStatus.values:
        query = query.filter(status=status)
    return query


def organisation_status_counts(user: User) -> dict[str, int]:
    """How many organisations are in each status (every status present, 0 when none)."""
    counts = dict.fromkeys(OrganisationStatus.values, 0)
    if can(user, Capability.LICENSE_ORGANISATIONS):
        counts.update(
            Organisation.objects.values_list("status")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("status", "n")
        )
    return counts


def organisation_names() -> dict[int, str]:
    """Every organisation's name in the current language, by id, alphabetically (the audit
    trail's organisation filter and column: audit entries keep only the id)."""
    organisations = Organisation.objects.only("pk", "name_ar", "name_en")
    names = {organisation.pk: str(organisation) for organisation in organisations}
    return dict(sorted(names.items(), key=lambda item: item[1]))


def get_organisation_for_licensing(user: User, pk: int) -> Organisation:
    """One organisation for a user who may license organisations; 404 for anything else."""
    organisation = (
        organisations_for_licensing(user)
        .select_related("application")
        .prefetch_related("governorates", "aid_types")
        .filter(pk=pk)
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


def status_history(organisation: Organisation) -> QuerySet[OrganisationStatusChange]:
    return organisation.status_changes.select_related("by").order_by("-at", "-id")


# --- staff (managers) -----------------------------------------------------------------------


def staff_for_manager(user: User) -> QuerySet[StaffMembership]:
    """Current and former staff of the organisation ``user`` manages, current first.

    ``has_second_factor`` is annotated (one query for the whole list): the same test as
    ``accounts.permissions.has_second_factor``, a TOTP authenticator.
    """
    organisation = organisation_for_staff(user)
    if organisation is None or not can(user, Capability.MANAGE_STAFF):
        return StaffMembership.objects.none()
    totp = Authenticator.objects.filter(user=OuterRef("user_id"), type=Authenticator.Type.TOTP)
    return (
        StaffMembership.objects.filter(organisation=organisation, is_service_account=False)
        .select_related("user")
        .annotate(has_second_factor=Exists(totp))
        .order_by("-is_active", "user__full_name", "pk")
    )


def get_membership_for_manager(user: User, pk: int) -> StaffMembership:
    """A membership of the organisation ``user`` manages; 404 for anyone else's staff."""
    membership = staff_for_manager(user).filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership
