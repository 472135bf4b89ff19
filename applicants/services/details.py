"""Step 1 of the profile, the personal details; the confirmation of the list steps; consent."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.phones import mobile_rule
from applicants import selectors
from applicants.exceptions import EmailTakenError, InvalidValueError
from applicants.models import ApplicantProfile, Governorate
from applicants.selectors import CONFIRMED_FIELD, Step
from applicants.services.history import (
    History,
    changed_fields,
    lock_civil_id,
    locked_profile,
    snapshot,
)
from applicants.services.household import detect_applicant_listed_elsewhere
from audit.services import audit_record

_PROFILE_FIELDS = (
    "name_ar",
    "name_en",
    "gender",
    "nationality",
    "governorate",
    "area",
    "address",
    "birth_date",
)
_USER_FIELDS = ("mobile", "email")


def applicant_profile_save(
    *,
    actor: User,
    name_ar: str,
    name_en: str,
    gender: str,
    nationality: str,
    governorate: Governorate,
    area: str,
    address: str,
    mobile: str,
    email: str | None,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> ApplicantProfile:
    """Create or update ``actor``'s personal details (the profile, and mobile/e-mail on User).

    The birth date is always the one in the civil ID (none under a scheme without one).
    ``mobile`` must already be normalised (``accounts.phones.normalise_mobile``); a changed
    number is no longer confirmed. An empty ``email`` removes it. Creating the profile also
    checks whether the applicant is already listed as a member of another household.
    ``held_statuses``: the request statuses in which a charity holds the profile (changes are
    then kept as ``ProfileChange`` rows).
    """
    if not selectors.is_valid_mobile(mobile):
        raise InvalidValueError(ValidationError(str(mobile_rule().message)), "mobile")
    email = (email or "").strip() or None
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=actor.pk)
        if email and User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise EmailTakenError
        profile = ApplicantProfile.objects.select_for_update().filter(user=user).first()
        created = profile is None
        if profile is None:
            profile = ApplicantProfile(user=user)
        profile_before = snapshot(profile, _PROFILE_FIELDS)
        user_before = snapshot(user, _USER_FIELDS)

        profile.name_ar, profile.name_en = name_ar.strip(), name_en.strip()
        profile.gender, profile.nationality = gender, nationality.strip()
        profile.governorate = governorate
        profile.area, profile.address = area.strip(), address.strip()
        profile.birth_date = selectors.birth_date_of(user)
        profile.save()
        if mobile != user.mobile:
            # A new number is unconfirmed until the SMS code flow confirms it; messages are
            # only sent to confirmed numbers.
            user.mobile, user.mobile_verified = mobile, False
        user.email = email
        # The account's display name (page header, staff lists) is the declared Arabic name.
        user.full_name = profile.name_ar
        try:
            with transaction.atomic():  # a savepoint: a concurrent same e-mail lands here
                user.save(update_fields=["mobile", "mobile_verified", "email", "full_name"])
        except IntegrityError:
            raise EmailTakenError from None

        changed = changed_fields(profile_before, snapshot(profile, _PROFILE_FIELDS))
        changed += changed_fields(user_before, snapshot(user, _USER_FIELDS))
        if not created:
            history = History(profile=profile, actor=user, held_statuses=held_statuses)
            history.updated(profile, profile_before, snapshot(profile, _PROFILE_FIELDS))
            history.updated(user, user_before, snapshot(user, _USER_FIELDS))
        audit_record(
            actor=actor,
            action="applicant_profile.create" if created else "applicant_profile.update",
            target=profile,
            applicant_id=user.pk,
            data={"fields": sorted(changed)},
            ip_address=ip_address,
        )
        if created:
            lock_civil_id(user.civil_id or "0")
            detect_applicant_listed_elsewhere(profile=profile, actor=user)
    return profile


def applicant_profile_step_confirm(
    *, actor: User, step: Step, ip_address: str | None = None
) -> ApplicantProfile:
    """Record that ``actor`` finished a list step ("save and continue"); idempotent."""
    field = CONFIRMED_FIELD[step]
    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        if getattr(profile, field) is None:
            setattr(profile, field, timezone.now())
            profile.save(update_fields=[field, "updated_at"])
            audit_record(
                actor=actor,
                action="applicant_profile.step_confirm",
                target=profile,
                applicant_id=actor.pk,
                data={"step": step.value},
                ip_address=ip_address,
            )
    return profile


def applicant_profile_consent(*, actor: User, ip_address: str | None = None) -> ApplicantProfile:
    """Record that ``actor`` agreed to the privacy notice (``consented_at``); idempotent.

    The first agreement is the one kept: agreeing again changes nothing and writes nothing.
    """
    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        if profile.consented_at is None:
            profile.consented_at = timezone.now()
            profile.save(update_fields=["consented_at", "updated_at"])
            audit_record(
                actor=actor,
                action="applicant_profile.consent",
                target=profile,
                applicant_id=actor.pk,
                data={"consented_at": profile.consented_at.isoformat()},
                ip_address=ip_address,
            )
    return profile
