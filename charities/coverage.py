"""Covered elsewhere: an open request whose people all hold its aid type already.

Such a request cannot be claimed (the one-aid-type rule refuses every claim), so it leaves
every queue: it stays open, with ``covered_until`` set to the last day they are all covered,
and the applicant is told — never by whom. When that day has passed it returns to the queue by
itself (``charities.services.covered.return_covered_requests``, Celery beat), its coverage moved to
start the day it returns: the old window overlaps the other commitment by construction.

The writes here run inside the caller's transaction, with the request row locked by it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from aid_requests.models import AidRequest, RequestStatus, TimelineEntry
from aid_requests.periods import coverage_end
from applicants.models import HouseholdMember
from audit.services import audit_record
from config.rows import insert_row, update_row
from dedup.models import UNTIL_FURTHER_NOTICE
from notifications.services import notify


def household_civil_ids(aid_request: AidRequest) -> list[str]:
    """The civil IDs of the applicant's household members, as they stand now."""
    return list(
        HouseholdMember.objects.filter(profile__user_id=aid_request.applicant_id)
        .order_by("pk")
        .values_list("civil_id", flat=True)
    )


def _timeline(aid_request: AidRequest, note: str) -> None:
    insert_row(
        TimelineEntry(
            aid_request=aid_request,
            from_status=aid_request.status,
            to_status=aid_request.status,
            actor=None,
            at=timezone.now(),
            note=note,
        )
    )


def mark_covered(aid_request: AidRequest, until: datetime.date) -> None:
    """Take the open request out of every queue until ``until`` (included)."""
    assert aid_request.status == RequestStatus.OPEN  # noqa: S101  # callers check it
    aid_request.covered_until = until
    update_row(aid_request, ["covered_until", "updated_at"])
    # The timeline keeps one text; it is written in the portal's default language (Arabic).
    # A state benefit paid until further notice says so, not its far-off stand-in date.
    open_ended = until >= UNTIL_FURTHER_NOTICE
    date: str | dict[str, str] = until.isoformat()
    if open_ended:
        date = {}
        for code, _name in settings.LANGUAGES:
            with override(code):
                date[code] = _("further notice")
    with override(settings.LANGUAGE_CODE):
        note = _(
            "Everyone this request covers already receives this aid until %(date)s; "
            "out of the queue until then."
        ) % {"date": _("further notice") if open_ended else date_format(until, "DATE_FORMAT")}
    _timeline(aid_request, note)
    audit_record(
        actor=None,
        action="aid_request.covered_elsewhere",
        target=aid_request,
        applicant_id=aid_request.applicant_id,
        data={"until": until.isoformat()},
    )
    notify(
        recipient=aid_request.applicant,
        kind="request_covered",
        aid_request=aid_request,
        context={"reference": aid_request.reference, "date": date},
    )


def mark_returned(aid_request: AidRequest, start: datetime.date) -> None:
    """Put the request back in the queue, its coverage starting ``start``."""
    assert aid_request.status == RequestStatus.OPEN  # noqa: S101  # callers check it
    aid_request.covered_until = None
    aid_request.coverage_start = start
    aid_request.coverage_end = coverage_end(start, aid_request.aid_type.coverage_months)
    update_row(aid_request, ["covered_until", "coverage_start", "coverage_end", "updated_at"])
    with override(settings.LANGUAGE_CODE):
        note = _(
            "The aid received elsewhere has ended: back in the queue, covering from %(date)s."
        ) % {"date": date_format(start, "DATE_FORMAT")}
    _timeline(aid_request, note)
    audit_record(
        actor=None,
        action="aid_request.coverage_ended",
        target=aid_request,
        applicant_id=aid_request.applicant_id,
        data={
            "coverage_start": start.isoformat(),
            "coverage_end": aid_request.coverage_end.isoformat(),
        },
    )
    notify(
        recipient=aid_request.applicant,
        kind="request_coverage_ended",
        aid_request=aid_request,
        context={"reference": aid_request.reference, "date": start.isoformat()},
    )
