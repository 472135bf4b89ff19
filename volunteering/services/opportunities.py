"""Opportunities: published, edited and marked completed by a manager of an organisation
licensed for the programme (``volunteering.services.staff.programme_organisation``)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Capability
from applicants.models import Governorate
from audit.services import audit_record
from notifications.models import NotificationKind
from volunteering.exceptions import InvalidOpportunity, NotAllowed
from volunteering.models import ApplicationStatus, Opportunity
from volunteering.notices import tell_volunteer
from volunteering.services.staff import programme_organisation

#: What a manager writes (the form's fields).
FIELDS = (
    "title_ar",
    "title_en",
    "description_ar",
    "description_en",
    "kind",
    "governorate",
    "place",
    "starts_on",
    "ends_on",
    "hours_per_week",
    "seats",
    "stipend_basis",
    "rate",
    "min_age",
    "max_age",
    "skills",
    "closes_on",
)


def _check(values: dict[str, Any]) -> None:
    starts_on: datetime.date = values["starts_on"]
    ends_on: datetime.date = values["ends_on"]
    if ends_on < starts_on or values["closes_on"] > ends_on:
        raise InvalidOpportunity
    if Decimal(values["rate"]) <= 0 or not 1 <= values["hours_per_week"] <= 60:
        raise InvalidOpportunity
    if values["seats"] < 1:
        raise InvalidOpportunity


def opportunity_publish(*, actor: User, governorate: Governorate, **values: Any) -> Opportunity:
    """Publish an opportunity for the manager's organisation (listed at once)."""
    organisation = programme_organisation(actor, Capability.APPROVE_CASE)
    values["governorate"] = governorate
    _check(values)
    with transaction.atomic(durable=True):
        opportunity = Opportunity.objects.create(
            organisation=organisation,
            created_by=actor,
            created_at=timezone.now(),
            **{k: values.get(k) for k in FIELDS if k in values},
        )
        audit_record(
            actor=actor,
            action="volunteering.opportunity_published",
            target=opportunity,
            organisation_id=organisation.pk,
            data={"seats": opportunity.seats, "rate": str(opportunity.rate)},
        )
    return opportunity


def opportunity_update(*, opportunity_id: int, actor: User, **values: Any) -> Opportunity:
    """Edit an opportunity of the manager's organisation. Seats never drop below the
    volunteers accepted (the database's CHECK refuses it; checked first for the message)."""
    organisation = programme_organisation(actor, Capability.APPROVE_CASE)
    with transaction.atomic(durable=True):
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
        if opportunity.organisation_id != organisation.pk:
            raise NotAllowed
        merged = {k: getattr(opportunity, k) for k in FIELDS} | values
        _check(merged)
        if merged["seats"] < opportunity.accepted_count:
            raise InvalidOpportunity
        if opportunity.accepted_count and (
            merged["starts_on"] != opportunity.starts_on
            or merged["ends_on"] != opportunity.ends_on
            or merged["rate"] != opportunity.rate
            or merged["stipend_basis"] != opportunity.stipend_basis
            or merged["hours_per_week"] != opportunity.hours_per_week
        ):
            # The placements' stipend aid was approved for these dates and this rate.
            raise InvalidOpportunity
        for key, value in values.items():
            setattr(opportunity, key, value)
        opportunity.save()
        audit_record(
            actor=actor,
            action="volunteering.opportunity_updated",
            target=opportunity,
            organisation_id=organisation.pk,
            data={"fields": sorted(values)},
        )
    return opportunity


def opportunity_complete(*, opportunity_id: int, actor: User) -> Opportunity:
    """The organisation marks the work completed: applications close, certificates open."""
    organisation = programme_organisation(actor, Capability.APPROVE_CASE)
    with transaction.atomic(durable=True):
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity_id)
        if opportunity.organisation_id != organisation.pk:
            raise NotAllowed
        if opportunity.completed_at is None:
            opportunity.completed_at = timezone.now()
            opportunity.save(update_fields=["completed_at"])
            audit_record(
                actor=actor,
                action="volunteering.opportunity_completed",
                target=opportunity,
                organisation_id=organisation.pk,
            )
            _announce_certificates(opportunity)
    return opportunity


def _announce_certificates(opportunity: Opportunity) -> None:
    """Tell the accepted volunteers their certificate is ready (the caller holds the row)."""
    if opportunity.certificates_announced_at is not None:
        return
    placed = opportunity.applications.filter(status=ApplicationStatus.ACCEPTED).select_related(
        "applicant"
    )
    for application in placed:
        tell_volunteer(application.applicant, NotificationKind.VOLUNTEER_CERTIFICATE, opportunity)
    opportunity.certificates_announced_at = timezone.now()
    opportunity.save(update_fields=["certificates_announced_at"])


def certificates_announce(*, today: datetime.date | None = None) -> list[int]:
    """The daily job: for each opportunity whose end date has passed, tell its volunteers once
    that their certificate is ready; the opportunities announced. One transaction each."""
    today = today or timezone.localdate()
    due = Opportunity.objects.filter(
        ends_on__lt=today, certificates_announced_at__isnull=True
    ).values_list("pk", flat=True)
    announced = []
    for pk in list(due):
        with transaction.atomic(durable=True):
            opportunity = Opportunity.objects.select_for_update().get(pk=pk)
            if opportunity.certificates_announced_at is None:
                _announce_certificates(opportunity)
                announced.append(pk)
    return announced
