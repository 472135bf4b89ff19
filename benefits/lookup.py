"""Refreshing people's benefit records from the agencies' live lookup (``benefits_refresh``).

The configured adapter (``benefits.agencies.registry.get_lookup``) is asked about each civil ID
in turn, and its answer is loaded with the file import's own comparison (``plan_upsert``): a
record's key is (agency, reference); it is created, updated, counted as ended when the answer
shortens it, or left unchanged. A record the agency no longer mentions is left as it is, as a
file import leaves it. Each refresh is one ``ImportBatch`` with source ``lookup``.

Per person, all or nothing: each person's records are written in one transaction, and only
from a whole, valid answer. ``AgencyUnavailable`` (after the adapter's retries) and
``AgencyAnswerInvalid`` leave that person's records untouched and report them not refreshed;
``AgencyMisconfigured`` means every lookup would fail alike, so the refresh stops asking and
reports everyone left not refreshed; so does ``AgencyUnavailable`` when the caller asks it to
(``give_up_when_unavailable``: a submission waits on the lookup, and an agency that timed out
for one person after its retries would time out for the next). One audit entry per refresh
(``benefits.looked_up``), civil IDs masked to their last four digits. A refresh that crashes
half-way keeps the people loaded so far and ends as failed (``benefits.lookup_failed``), then
raises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.civil_id import masked_civil_id, parse_civil_id
from audit.services import audit_record
from benefits.agencies.base import (
    AgencyAnswerInvalid,
    AgencyBenefit,
    AgencyError,
    AgencyLookup,
    AgencyMisconfigured,
    AgencyUnavailable,
)
from benefits.agencies.registry import get_lookup
from benefits.importing import GoodRow
from benefits.models import Agency, BenefitKind, ImportBatch, ImportSource, ImportStatus
from benefits.services import COUNT_FIELDS, plan_apply, plan_upsert

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger("benefits.lookup")


@dataclass
class RefreshResult:
    """What one refresh did: its batch (with the counts) and who was not refreshed, why."""

    batch: ImportBatch
    refreshed: list[str] = field(default_factory=list)
    #: (civil ID, reason): ``agency_unavailable``, ``answer_invalid``, ``misconfigured``,
    #: ``invalid_civil_id``.
    not_refreshed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def misconfigured(self) -> bool:
        return any(reason == AgencyMisconfigured.reason for _id, reason in self.not_refreshed)

    def summary_line(self) -> str:
        return f"{self.batch.summary_line()}, {len(self.not_refreshed)} not refreshed"


def benefits_refresh(
    *,
    civil_ids: Iterable[str],
    actor: User | None = None,
    lookup: AgencyLookup | None = None,
    give_up_when_unavailable: bool = False,
) -> RefreshResult:
    """Ask the lookup about each civil ID and load the answers (see the module docstring).

    ``actor``: the ministry user or the applicant submitting, or None for the nightly task.
    Raises ``AgencyMisconfigured`` only when the adapter cannot even be built from the settings
    (nothing asked).
    """
    lookup = lookup or get_lookup()
    people = sorted(set(civil_ids))
    result = RefreshResult(batch=_batch_open(lookup.name, started_by=actor))
    try:
        _refresh_people(result, people, lookup, give_up_when_unavailable)
    except BaseException as error:
        # Crashed half-way (a bug, the database, the worker stopped): the people loaded so far
        # stay loaded; the batch ends as failed, never "running" for ever.
        _batch_failed(result, lookup=lookup.name, started_by=actor, error=error)
        raise
    result.batch = _batch_finish(result, lookup=lookup.name, started_by=actor)
    return result


def _refresh_people(
    result: RefreshResult, people: list[str], lookup: AgencyLookup, give_up_when_unavailable: bool
) -> None:
    catalogue = _Catalogue()
    stop: str | None = None  # the reason everyone left is not asked
    for civil_id in people:
        if stop:
            result.not_refreshed.append((civil_id, stop))
            continue
        try:
            number = parse_civil_id(civil_id).number
        except ValidationError:
            result.not_refreshed.append((civil_id, "invalid_civil_id"))
            continue
        try:
            rows = catalogue.rows(number, lookup.lookup(number))
            _person_load(result.batch.pk, rows)
        except AgencyError as error:
            logger.warning("benefits of %s not refreshed: %s", masked_civil_id(number), error)
            result.not_refreshed.append((civil_id, error.reason))
            if isinstance(error, AgencyMisconfigured) or (
                give_up_when_unavailable and isinstance(error, AgencyUnavailable)
            ):
                stop = error.reason
            continue
        result.refreshed.append(civil_id)


class _Catalogue:
    """The agencies and benefits by code (read once per refresh), to turn an answer into rows."""

    def __init__(self) -> None:
        self.agencies = {a.code: a.pk for a in Agency.objects.filter(is_active=True)}
        kinds = BenefitKind.objects.only("agency", "code")
        self.kinds = {(kind.agency_id, kind.code): kind.pk for kind in kinds}

    def rows(self, civil_id: str, answer: list[AgencyBenefit]) -> list[GoodRow]:
        rows: list[GoodRow] = []
        seen: set[tuple[int, str]] = set()
        for line, benefit in enumerate(answer, start=1):
            agency_id = self.agencies.get(benefit.agency)
            kind_id = self.kinds.get((agency_id or 0, benefit.benefit))
            if agency_id is None or kind_id is None:
                raise AgencyAnswerInvalid(f"unknown benefit {benefit.agency}/{benefit.benefit}")
            row = GoodRow(
                line=line,
                civil_id=civil_id,
                agency_id=agency_id,
                kind_id=kind_id,
                monthly_amount=benefit.monthly_amount,
                start_date=benefit.start_date,
                end_date=benefit.end_date,
                reference=benefit.reference,
            )
            if row.key in seen:
                raise AgencyAnswerInvalid(f"the reference {benefit.reference} is given twice")
            seen.add(row.key)
            rows.append(row)
        return rows


def _batch_open(lookup: str, *, started_by: User | None) -> ImportBatch:
    with transaction.atomic(durable=True):
        return ImportBatch.objects.create(
            file_name=f"lookup:{lookup}",
            sha256="",
            source=ImportSource.LOOKUP,
            started_at=timezone.now(),
            started_by=started_by,
        )


def _person_load(batch_pk: int, rows: list[GoodRow]) -> None:
    """Load one person's answer and advance the batch, in one transaction; an answer that
    would move an agency's reference to another person writes nothing."""
    with transaction.atomic(durable=True):
        batch = ImportBatch.objects.select_for_update().get(pk=batch_pk)
        plan = plan_upsert(rows, batch=batch, lock=True)
        if plan.bad:
            raise AgencyAnswerInvalid("a reference belongs to another civil ID in the records")
        plan_apply(plan, actor=batch.started_by if batch.started_by_id else None)
        batch.rows_total += len(rows)
        batch.rows_done += len(rows)
        batch.created_count += len(plan.create)
        batch.updated_count += plan.updated
        batch.ended_count += plan.ended
        batch.unchanged_count += plan.unchanged
        batch.save(update_fields=[*COUNT_FIELDS, "rows_total", "rows_done"])


def _batch_finish(result: RefreshResult, *, lookup: str, started_by: User | None) -> ImportBatch:
    """Mark the refresh done and write its one audit entry."""
    return _batch_end(
        result,
        status=ImportStatus.DONE,
        action="benefits.looked_up",
        started_by=started_by,
        data={
            "lookup": lookup,
            "not_refreshed": [
                [masked_civil_id(civil_id), reason] for civil_id, reason in result.not_refreshed
            ],
        },
    )


def _batch_failed(
    result: RefreshResult, *, lookup: str, started_by: User | None, error: BaseException
) -> None:
    """Mark a crashed refresh failed, with its audit entry, if the database still answers."""
    try:
        _batch_end(
            result,
            status=ImportStatus.FAILED,
            action="benefits.lookup_failed",
            started_by=started_by,
            data={"lookup": lookup, "error": type(error).__name__},
        )
    except Exception:
        # The original error is the one to show.
        logger.exception("refresh batch %s could not be marked failed", result.batch.pk)


def _batch_end(
    result: RefreshResult,
    *,
    status: ImportStatus,
    action: str,
    started_by: User | None,
    data: dict[str, object],
) -> ImportBatch:
    """End the refresh's batch with ``status`` and its one audit entry (``data`` and the
    people refreshed and the counts)."""
    with transaction.atomic(durable=True):
        batch = ImportBatch.objects.select_for_update().get(pk=result.batch.pk)
        batch.error_count = len(result.not_refreshed)
        batch.status = status
        batch.finished_at = timezone.now()
        batch.save(update_fields=["error_count", "status", "finished_at"])
        audit_record(
            actor=started_by,
            action=action,
            target=batch,
            data={
                **data,
                "refreshed": [masked_civil_id(civil_id) for civil_id in result.refreshed],
                "created": batch.created_count,
                "updated": batch.updated_count,
                "unchanged": batch.unchanged_count,
                "ended": batch.ended_count,
            },
        )
    return batch
