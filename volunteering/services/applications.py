"""Applications and placements: apply, shortlist, decline, accept, withdraw.

Lock order, in every function that takes more than one: the application row
(``select_for_update``), then the opportunity row (the seat's conditional UPDATE), then the
stipend aid's request row and the rule's advisory locks (``dedup``).

**Seats are held by the database**: ``application_accept`` takes a seat with
``UPDATE … SET accepted_count = accepted_count + 1 WHERE id = … AND accepted_count < seats``.
Simultaneous acceptances queue on the opportunity row; PostgreSQL re-checks the condition on
the row as the previous one committed it, so the last seat goes once and the rest update no
row (``NoSeatsLeft``). The CHECK constraint ``accepted_count <= seats`` is the backstop.

**The stipend is aid like any other**: the acceptance makes a request of the paid-volunteering
aid type for the volunteer, held by the organisation and approved for the opportunity's months
(``aid_requests.states``: submitted ─► claimed ─► approved, in this one transaction), and
reserves its commitment through ``dedup`` as a claim does. A second organisation accepting the
same person for an overlapping period is refused by the database (exclusion constraint /
trigger): ``StipendAlreadyGranted``, and nothing of that acceptance is written.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.civil_id import parse_civil_id
from accounts.models import User
from accounts.permissions import Capability
from aid_requests.models import AidRequest, RequestStatus
from aid_requests.services.lifecycle import aid_request_lock, aid_request_move, live_requests
from aid_requests.states import Actor
from applicants.models import ApplicantProfile
from audit.services import audit_record
from benefits.commitments import commitments_refill
from charities.models import Organisation
from charities.services.payments import shorten_commitments
from dedup import services as dedup
from dedup.exceptions import AidAlreadyGranted
from dedup.people import people_covered
from notifications.models import NotificationKind as N
from volunteering import stipends
from volunteering.exceptions import (
    AgeNotAllowed,
    AlreadyApplied,
    AlreadyDecided,
    ApplicationsClosed,
    NoSeatsLeft,
    NotAllowed,
    NotVerified,
    PlacementInProgress,
    ReasonRequired,
    StipendAlreadyGranted,
)
from volunteering.models import UNDECIDED, Application, ApplicationStatus, Opportunity
from volunteering.notices import tell_organisation, tell_volunteer
from volunteering.programme import paid_volunteering_type
from volunteering.services.staff import programme_organisation

A = ApplicationStatus


def _age(applicant: User, on: datetime.date) -> int | None:
    born = ApplicantProfile.objects.filter(user=applicant).values_list("birth_date", flat=True)
    birth_date = born.first()
    if birth_date is None and applicant.civil_id:
        try:
            birth_date = parse_civil_id(applicant.civil_id).birth_date
        except ValidationError:  # an ID of another scheme: the age is unknown
            birth_date = None
    if birth_date is None:
        return None
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def application_submit(*, opportunity_id: int, applicant: User, note: str = "") -> Application:
    """A verified applicant applies for an open opportunity, with a short note."""
    if not applicant.is_identity_verified:
        raise NotVerified
    today = timezone.localdate()
    with transaction.atomic(durable=True):
        opportunity = Opportunity.objects.get(pk=opportunity_id)
        if not opportunity.is_open_on(today):
            raise ApplicationsClosed
        age = _age(applicant, opportunity.starts_on)
        if age is not None and (
            (opportunity.min_age is not None and age < opportunity.min_age)
            or (opportunity.max_age is not None and age > opportunity.max_age)
        ):
            raise AgeNotAllowed
        if Application.objects.filter(opportunity=opportunity, applicant=applicant).exists():
            raise AlreadyApplied
        try:
            with transaction.atomic():  # the unique constraint, when two forms race
                application = Application.objects.create(
                    opportunity=opportunity,
                    applicant=applicant,
                    note=note.strip()[:1000],
                    applied_at=timezone.now(),
                )
        except IntegrityError:
            raise AlreadyApplied from None
        audit_record(
            actor=applicant,
            action="volunteering.applied",
            target=application,
            organisation_id=opportunity.organisation_id,
            applicant_id=applicant.pk,
        )
        tell_organisation(N.VOLUNTEER_APPLIED, opportunity)
    return application


def _locked(application_id: int) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("opportunity")
        .get(pk=application_id)
    )


def _for_organisation(application_id: int, organisation: Organisation) -> Application:
    application = _locked(application_id)
    if application.opportunity.organisation_id != organisation.pk:
        raise NotAllowed
    return application


def _decide(application: Application, status: str, actor: User, **fields: object) -> None:
    application.status = status
    application.decided_at = timezone.now()
    application.decided_by = actor
    for key, value in fields.items():
        setattr(application, key, value)
    application.save(update_fields=["status", "decided_at", "decided_by", *fields])
    audit_record(
        actor=actor,
        action=f"volunteering.{status}",
        target=application,
        organisation_id=application.opportunity.organisation_id,
        applicant_id=application.applicant_id,
    )


def application_shortlist(*, application_id: int, actor: User) -> Application:
    organisation = programme_organisation(actor, Capability.CLAIM_CASE)
    with transaction.atomic(durable=True):
        application = _for_organisation(application_id, organisation)
        if application.status != A.APPLIED:
            raise AlreadyDecided
        _decide(application, A.SHORTLISTED, actor)
        tell_volunteer(application.applicant, N.VOLUNTEER_SHORTLISTED, application.opportunity)
    return application


def application_decline(*, application_id: int, actor: User, reason: str) -> Application:
    organisation = programme_organisation(actor, Capability.CLAIM_CASE)
    reason = reason.strip()
    if not reason:
        raise ReasonRequired
    with transaction.atomic(durable=True):
        application = _for_organisation(application_id, organisation)
        if application.status not in UNDECIDED:
            raise AlreadyDecided
        _decide(application, A.DECLINED, actor, decline_reason=reason[:500])
        tell_volunteer(
            application.applicant,
            N.VOLUNTEER_DECLINED,
            application.opportunity,
            reason=reason[:200],
        )
    return application


def application_accept(*, application_id: int, actor: User) -> Application:
    """Accept a volunteer: take a seat (``NoSeatsLeft`` when none is left) and make the
    stipend aid, reserved under the rule (``StipendAlreadyGranted``)."""
    organisation = programme_organisation(actor, Capability.CLAIM_CASE)
    with transaction.atomic(durable=True):
        application = _for_organisation(application_id, organisation)
        if application.status not in UNDECIDED:
            raise AlreadyDecided
        opportunity = application.opportunity
        if opportunity.has_ended_on(timezone.localdate()):
            raise ApplicationsClosed
        seated = Opportunity.objects.filter(
            pk=opportunity.pk, accepted_count__lt=F("seats")
        ).update(accepted_count=F("accepted_count") + 1)
        if not seated:
            raise NoSeatsLeft
        aid_request = _stipend_aid(application, opportunity, organisation, actor)
        _decide(application, A.ACCEPTED, actor, aid_request=aid_request)
        tell_volunteer(
            application.applicant, N.VOLUNTEER_ACCEPTED, opportunity, aid_request=aid_request
        )
    return application


def _stipend_aid(
    application: Application, opportunity: Opportunity, organisation: Organisation, actor: User
) -> AidRequest:
    """The placement's stipend aid: a request inserted as submitted, moved to claimed with its
    slot reserved, then approved for the opportunity's months (``aid_requests.states``)."""
    aid_type = paid_volunteering_type()
    volunteer = application.applicant
    # The rule's answer first, for its message (the database refuses it below all the same,
    # under any concurrency); then one live stipend aid per volunteer (the unique index
    # one_live_request_per_beneficiary): placements follow one another.
    held = dedup.find_conflict(
        aid_type_id=aid_type.pk,
        civil_ids=[volunteer.civil_id or ""],
        start=opportunity.starts_on,
        end=opportunity.ends_on,
    )
    if held is not None:
        raise StipendAlreadyGranted(held.period_end)
    if live_requests(volunteer.pk, aid_type.pk, None).exists():
        raise PlacementInProgress
    governorate_id = (
        ApplicantProfile.objects.filter(user=volunteer)
        .values_list("governorate_id", flat=True)
        .first()
    ) or opportunity.governorate_id
    now = timezone.now()
    try:
        with transaction.atomic():  # one_live_request_per_beneficiary, when two accept at once
            aid_request = AidRequest.objects.create(
                applicant=volunteer,
                aid_type=aid_type,
                amount_requested=stipends.total_cap(opportunity),
                governorate_id=governorate_id,
                household_size=1,
                coverage_start=opportunity.starts_on,
                coverage_end=opportunity.ends_on,
                submitted_at=now,
                status=RequestStatus.SUBMITTED,
            )
    except IntegrityError:
        raise PlacementInProgress from None
    aid_request.aid_type = aid_type
    aid_request.claimed_by = organisation
    aid_request.claimed_at = now
    aid_request_move(
        aid_request=aid_request,
        to=RequestStatus.CLAIMED,
        actor=Actor.CHARITY,
        user=actor,
        note=_note(opportunity),
        also_save=("claimed_by", "claimed_at"),
    )
    try:
        dedup.commitments_reserve(
            aid_request_id=aid_request.pk,
            organisation_id=organisation.pk,
            aid_type_id=aid_type.pk,
            people=people_covered(aid_request, ()),
            start=opportunity.starts_on,
            end=opportunity.ends_on,
        )
    except AidAlreadyGranted as refusal:
        held = refusal.conflicting
        raise StipendAlreadyGranted(held.period_end if held else None) from None
    dedup.commitments_activate(aid_request_id=aid_request.pk)
    aid_request.approved_amount = stipends.monthly_cap(opportunity)
    aid_request.approved_payments = stipends.months(opportunity)
    aid_request.approved_at = now
    aid_request_move(
        aid_request=aid_request,
        to=RequestStatus.APPROVED,
        actor=Actor.CHARITY,
        user=actor,
        also_save=("approved_amount", "approved_payments", "approved_at"),
    )
    return aid_request


def _note(opportunity: Opportunity) -> str:
    """The timeline's note (in the portal's default language: the timeline keeps one text)."""
    with override(settings.LANGUAGE_CODE):
        return str(_("Paid volunteering: %(title)s")) % {"title": opportunity.title}


def application_withdraw(*, application_id: int, applicant: User) -> Application:
    """The applicant withdraws an application, or leaves a placement: the seat is freed and the
    stipend aid ends — withdrawn when nothing was paid yet, else closed after the last month
    paid (its commitment shortened to it)."""
    with transaction.atomic(durable=True):
        application = _locked(application_id)
        if application.applicant_id != applicant.pk:
            raise NotAllowed
        if application.status not in (*UNDECIDED, A.ACCEPTED):
            raise AlreadyDecided
        was_accepted = application.status == A.ACCEPTED
        if was_accepted:
            Opportunity.objects.filter(pk=application.opportunity_id).update(
                accepted_count=F("accepted_count") - 1
            )
            _end_stipend_aid(application, applicant)
        application.status = A.WITHDRAWN
        application.withdrawn_at = timezone.now()
        application.save(update_fields=["status", "withdrawn_at"])
        audit_record(
            actor=applicant,
            action="volunteering.withdrawn",
            target=application,
            organisation_id=application.opportunity.organisation_id,
            applicant_id=applicant.pk,
        )
    if was_accepted and application.aid_request_id:
        commitments_refill(aid_request_id=application.aid_request_id, actor=applicant)
    return application


def _end_stipend_aid(application: Application, volunteer: User) -> None:
    if application.aid_request_id is None:  # pragma: no cover - the CHECK constraint
        return
    aid_request = aid_request_lock(application.aid_request_id)
    paid = aid_request.payments.count()
    if not paid:
        dedup.commitments_release(aid_request_id=aid_request.pk)
        aid_request_move(
            aid_request=aid_request,
            to=RequestStatus.WITHDRAWN,
            actor=Actor.VOLUNTEER,
            user=volunteer,
        )
        return
    note = shorten_commitments(
        aid_request,
        paid,
        _(
            "The volunteer left after %(payments)s of %(months)s months paid: the aid ends on "
            "%(date)s."
        ),
    )
    aid_request_move(
        aid_request=aid_request,
        to=RequestStatus.CLOSED,
        actor=Actor.VOLUNTEER,
        user=volunteer,
        note=note,
    )
