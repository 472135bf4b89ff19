"""Writes of the applicants app: the profile, its household, money and documents.

Every function here is one state change: it runs in ``transaction.atomic(durable=True)``,
re-reads the rows it changes with ``select_for_update()``, writes its audit entry in the same
transaction and, once a charity holds one of the applicant's requests, a ``ProfileChange`` per
changed value so the charity can see what was declared at claim time. Problems the applicant
can fix are raised as ``ProfileError`` subclasses carrying a translated message.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import parse_civil_id
from accounts.models import Role, User
from accounts.permissions import Capability, can
from accounts.phones import mobile_rule
from applicants import selectors
from applicants.models import (
    ApplicantProfile,
    ChangeKind,
    Document,
    Governorate,
    HouseholdMember,
    IncomeSource,
    MonthlyObligation,
    PossibleDuplicate,
    ProfileChange,
    ReviewStatus,
)
from applicants.selectors import CONFIRMED_FIELD, PROTECTION_ACTION, Step
from applicants.validators import check_upload, validate_monthly_amount
from audit.services import audit_record
from config.commit import after_commit
from dedup import services as dedup


class ProfileError(Exception):
    """A change the applicant asked for that cannot be made; ``str()`` is the message."""

    field: str | None = None


class ProfileMissingError(ProfileError):
    def __init__(self) -> None:
        super().__init__(_("Fill in your personal details first."))


class EmailTakenError(ProfileError):
    field = "email"

    def __init__(self) -> None:
        super().__init__(_("Another account already uses this e-mail address."))


class MemberError(ProfileError):
    field = "civil_id"


class InvalidValueError(ProfileError):
    """A value a form should have refused (defence in depth for other callers)."""

    def __init__(self, error: ValidationError, field: str) -> None:
        super().__init__(" ".join(error.messages))
        self.field = field


class DocumentRejectedError(ProfileError):
    field = "file"


class ItemGoneError(ProfileError):
    def __init__(self) -> None:
        super().__init__(_("This item was already removed."))


# --- shared steps -------------------------------------------------------------------------


def _locked_profile(user: User) -> ApplicantProfile:
    profile = ApplicantProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        raise ProfileMissingError
    return profile


_Row = TypeVar("_Row", HouseholdMember, IncomeSource, MonthlyObligation, Document)


def _locked_row(model: type[_Row], *, pk: int, profile: ApplicantProfile) -> _Row:
    """Re-read one of the profile's rows under lock (it may have gone since the view read it)."""
    row = model.objects.select_for_update().filter(pk=pk, profile=profile).first()
    if row is None:
        raise ItemGoneError
    return row


#: Namespace of the advisory locks taken per civil ID (PostgreSQL's two-key lock space).
_CIVIL_ID_LOCK = 0x4D454D42  # "MEMB"


def _lock_civil_id(number: str) -> None:
    """Serialise the "is this person in another household?" check per civil ID.

    Without it two households adding the same person at once on PostgreSQL would each miss the
    other's uncommitted row and neither would be flagged. SQLite runs one writer at a time
    (IMMEDIATE transactions), so there is nothing to do there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_CIVIL_ID_LOCK, int(number) % 2**31]
            )


def _plain(value: Any) -> Any:
    """A value as stored in ProfileChange (JSON): money and dates as text, rows by their pk."""
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _snapshot(instance: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


class _History:
    """Collects ProfileChange rows during a service call when the profile is held."""

    def __init__(self, *, profile: ApplicantProfile, actor: User) -> None:
        self.profile, self.actor = profile, actor
        self.enabled = selectors.is_profile_held(profile.user)

    def updated(
        self, instance: models.Model, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        for name, old in before.items():
            if old != after[name]:
                self._add(instance, ChangeKind.UPDATED, name, old, after[name])

    def added(self, instance: models.Model, summary: dict[str, Any]) -> None:
        self._add(instance, ChangeKind.ADDED, "", None, summary)

    def removed(self, instance: models.Model, summary: dict[str, Any]) -> None:
        self._add(instance, ChangeKind.REMOVED, "", summary, None)

    def _add(self, instance: models.Model, kind: str, field: str, old: Any, new: Any) -> None:
        if not self.enabled:
            return
        ProfileChange.objects.create(
            profile=self.profile,
            model=instance._meta.label_lower,
            object_id=str(instance.pk),
            kind=kind,
            field=field,
            old_value=old,
            new_value=new,
            changed_by=self.actor,
        )


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


# --- step 1: personal details -------------------------------------------------------------

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
    ip_address: str | None = None,
) -> ApplicantProfile:
    """Create or update ``actor``'s personal details (the profile, and mobile/e-mail on User).

    The birth date is always the one in the civil ID (none under a scheme without one).
    ``mobile`` must already be normalised (``accounts.phones.normalise_mobile``); a changed
    number is no longer confirmed. An empty ``email`` removes it. Creating the profile also
    checks whether the applicant is already listed as a member of another household.
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
        profile_before = _snapshot(profile, _PROFILE_FIELDS)
        user_before = _snapshot(user, _USER_FIELDS)

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

        changed = _changed_fields(profile_before, _snapshot(profile, _PROFILE_FIELDS))
        changed += _changed_fields(user_before, _snapshot(user, _USER_FIELDS))
        if not created:
            history = _History(profile=profile, actor=user)
            history.updated(profile, profile_before, _snapshot(profile, _PROFILE_FIELDS))
            history.updated(user, user_before, _snapshot(user, _USER_FIELDS))
        audit_record(
            actor=actor,
            action="applicant_profile.create" if created else "applicant_profile.update",
            target=profile,
            applicant_id=user.pk,
            data={"fields": sorted(changed)},
            ip_address=ip_address,
        )
        if created:
            _lock_civil_id(user.civil_id or "0")
            _detect_applicant_listed_elsewhere(profile=profile, actor=user)
    return profile


def applicant_profile_step_confirm(
    *, actor: User, step: Step, ip_address: str | None = None
) -> ApplicantProfile:
    """Record that ``actor`` finished a list step ("save and continue"); idempotent."""
    field = CONFIRMED_FIELD[step]
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
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
        profile = _locked_profile(actor)
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


# --- step 2: household members ------------------------------------------------------------

_MEMBER_FIELDS = ("civil_id", "name", "kinship", "birth_date", "has_disability", "is_student")


@dataclass(frozen=True)
class MemberSaved:
    """A saved member, and whether the person is also listed in another active household."""

    member: HouseholdMember
    listed_elsewhere: bool


def _member_summary(member: HouseholdMember) -> dict[str, Any]:
    return _snapshot(member, _MEMBER_FIELDS)


def _check_member_civil_id(
    *, profile: ApplicantProfile, civil_id: str, exclude_pk: int | None = None
) -> str:
    try:
        number = parse_civil_id(civil_id).number
    except ValidationError as error:
        raise MemberError(" ".join(error.messages)) from None
    if number == profile.user.civil_id:
        raise MemberError(_("This is your own civil ID. You are counted in the household already."))
    same = profile.members.filter(civil_id=number)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise MemberError(_("This person is already listed in your household."))
    return number


def _record_duplicate(
    *,
    profile: ApplicantProfile,
    member: HouseholdMember | None,
    civil_id: str,
    other_applicant: User,
    other_profile: ApplicantProfile | None,
    other_member: HouseholdMember | None,
    actor: User,
) -> PossibleDuplicate:
    """Store (or refresh) one open possible duplicate for the ministry, audited."""
    duplicate = PossibleDuplicate.objects.filter(
        profile=profile,
        civil_id=civil_id,
        other_applicant=other_applicant,
        status=ReviewStatus.OPEN,
    ).first()
    if duplicate is None:
        duplicate = PossibleDuplicate(
            profile=profile, civil_id=civil_id, other_applicant=other_applicant
        )
    duplicate.member, duplicate.other_profile, duplicate.other_member = (
        member,
        other_profile,
        other_member,
    )
    duplicate.detected_at, duplicate.detected_by = timezone.now(), actor
    duplicate.save()
    audit_record(
        actor=actor,
        action="possible_duplicate.detect",
        target=duplicate,
        applicant_id=profile.user_id,
        data={
            "profile": profile.pk,
            "member": member.pk if member else None,
            "other_profile": other_profile.pk if other_profile else None,
            "other_member": other_member.pk if other_member else None,
            "other_applicant": other_applicant.pk,
        },
    )
    return duplicate


def _detect_member_listed_elsewhere(
    *, profile: ApplicantProfile, member: HouseholdMember, actor: User
) -> bool:
    """Record every other active household ``member``'s civil ID belongs to; True if any.

    Two ways to belong: listed there as a member, or being the applicant of an account (whose
    own household the person heads). Inactive accounts' households are not counted.
    """
    found = False
    elsewhere = (
        HouseholdMember.objects.filter(civil_id=member.civil_id, profile__user__is_active=True)
        .exclude(profile=profile)
        .select_related("profile__user")
        .order_by("pk")
    )
    for other in elsewhere:
        _record_duplicate(
            profile=profile,
            member=member,
            civil_id=member.civil_id,
            other_applicant=other.profile.user,
            other_profile=other.profile,
            other_member=other,
            actor=actor,
        )
        found = True
    account = (
        User.objects.filter(civil_id=member.civil_id, role=Role.APPLICANT, is_active=True)
        .exclude(pk=profile.user_id)
        .first()
    )
    if account is not None:
        _record_duplicate(
            profile=profile,
            member=member,
            civil_id=member.civil_id,
            other_applicant=account,
            other_profile=ApplicantProfile.objects.filter(user=account).first(),
            other_member=None,
            actor=actor,
        )
        found = True
    return found


def _detect_applicant_listed_elsewhere(*, profile: ApplicantProfile, actor: User) -> None:
    """A new profile's applicant may already be a member of another household: record it."""
    elsewhere = (
        HouseholdMember.objects.filter(
            civil_id=profile.user.civil_id, profile__user__is_active=True
        )
        .exclude(profile=profile)
        .select_related("profile__user")
        .order_by("pk")
    )
    for other in elsewhere:
        # Already recorded from the other side when the member was added after this account.
        if PossibleDuplicate.objects.filter(
            member=other, other_applicant=profile.user, status=ReviewStatus.OPEN
        ).exists():
            continue
        _record_duplicate(
            profile=profile,
            member=None,
            civil_id=other.civil_id,
            other_applicant=other.profile.user,
            other_profile=other.profile,
            other_member=other,
            actor=actor,
        )


def household_member_add(
    *,
    actor: User,
    civil_id: str,
    name: str,
    kinship: str,
    birth_date: datetime.date | None,
    has_disability: bool,
    is_student: bool,
    ip_address: str | None = None,
) -> MemberSaved:
    """Add a member to ``actor``'s household.

    Refused (MemberError): an invalid civil ID, the applicant's own, one already in this
    household. A person already in another active household is saved *and* a
    PossibleDuplicate is recorded for the ministry (``listed_elsewhere`` tells the view).
    """
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        number = _check_member_civil_id(profile=profile, civil_id=civil_id)
        _lock_civil_id(number)
        # The household aid the household holds covers the new member too, under the same
        # rule as a claim; a refusal opens a coverage conflict and the member stays listed.
        # Before any audit entry of this change: see household_coverage_extend.
        dedup.household_coverage_extend(applicant_id=actor.pk, civil_id=number, actor=actor)
        member = HouseholdMember(
            profile=profile,
            civil_id=number,
            name=name.strip(),
            kinship=kinship,
            birth_date=birth_date or parse_civil_id(number).birth_date,
            has_disability=has_disability,
            is_student=is_student,
        )
        member.save()
        _History(profile=profile, actor=actor).added(member, _member_summary(member))
        audit_record(
            actor=actor,
            action="household_member.add",
            target=member,
            applicant_id=actor.pk,
            data={"civil_id": "…" + number[-4:], "kinship": kinship},
            ip_address=ip_address,
        )
        listed_elsewhere = _detect_member_listed_elsewhere(
            profile=profile, member=member, actor=actor
        )
    return MemberSaved(member=member, listed_elsewhere=listed_elsewhere)


def household_member_update(
    *,
    actor: User,
    member: HouseholdMember,
    civil_id: str,
    name: str,
    kinship: str,
    birth_date: datetime.date | None,
    has_disability: bool,
    is_student: bool,
    ip_address: str | None = None,
) -> MemberSaved:
    """Change one of ``actor``'s members; a changed civil ID is checked like a new member."""
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        locked = _locked_row(HouseholdMember, pk=member.pk, profile=profile)
        number = _check_member_civil_id(profile=profile, civil_id=civil_id, exclude_pk=locked.pk)
        _lock_civil_id(number)
        if locked.civil_id != number:
            # A corrected civil ID is another person for the rule: the new one is covered like
            # a new member (first: see household_coverage_extend), the old one's coverage ends
            # with the current period.
            dedup.household_coverage_extend(applicant_id=actor.pk, civil_id=number, actor=actor)
            dedup.household_coverage_end(
                applicant_id=actor.pk, civil_id=locked.civil_id, actor=actor
            )
        before = _member_summary(locked)
        locked.civil_id, locked.name, locked.kinship = number, name.strip(), kinship
        locked.birth_date = birth_date or parse_civil_id(number).birth_date
        locked.has_disability, locked.is_student = has_disability, is_student
        locked.save()
        after = _member_summary(locked)
        _History(profile=profile, actor=actor).updated(locked, before, after)
        audit_record(
            actor=actor,
            action="household_member.update",
            target=locked,
            applicant_id=actor.pk,
            data={"fields": _changed_fields(before, after)},
            ip_address=ip_address,
        )
        listed_elsewhere = False
        if before["civil_id"] != number:
            listed_elsewhere = _detect_member_listed_elsewhere(
                profile=profile, member=locked, actor=actor
            )
    return MemberSaved(member=locked, listed_elsewhere=listed_elsewhere)


def household_member_remove(
    *, actor: User, member: HouseholdMember, ip_address: str | None = None
) -> None:
    """Remove one of ``actor``'s members (their possible duplicates stay for the ministry).

    Their coverage by the household's aid ends with the current period of each case.
    """
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        locked = _locked_row(HouseholdMember, pk=member.pk, profile=profile)
        dedup.household_coverage_end(applicant_id=actor.pk, civil_id=locked.civil_id, actor=actor)
        _History(profile=profile, actor=actor).removed(locked, _member_summary(locked))
        audit_record(
            actor=actor,
            action="household_member.remove",
            target=locked,
            applicant_id=actor.pk,
            data={"civil_id": "…" + locked.civil_id[-4:]},
            ip_address=ip_address,
        )
        locked.delete()


# --- steps 3 and 4: income sources and monthly obligations -------------------------------

_MONEY_FIELDS = ("kind", "amount", "description")
_Money = TypeVar("_Money", IncomeSource, MonthlyObligation)
_FILS = Decimal("0.001")


def _checked_amount(amount: Decimal) -> Decimal:
    """``amount`` to the fils, or InvalidValueError (negative, below 0.001, absurdly high)."""
    try:
        validate_monthly_amount(amount)
    except ValidationError as error:
        raise InvalidValueError(error, "amount") from None
    return amount.quantize(_FILS)


def _money_add(
    *,
    model: type[_Money],
    action: str,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str,
    ip_address: str | None,
) -> _Money:
    amount = _checked_amount(amount)
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        row = model.objects.create(
            profile=profile, kind=kind, amount=amount, description=description.strip()
        )
        _History(profile=profile, actor=actor).added(row, _snapshot(row, _MONEY_FIELDS))
        audit_record(
            actor=actor,
            action=action,
            target=row,
            applicant_id=actor.pk,
            data={"kind": kind, "amount": str(amount)},
            ip_address=ip_address,
        )
    return row


def _money_update(
    *,
    row: _Money,
    action: str,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str,
    ip_address: str | None,
) -> _Money:
    amount = _checked_amount(amount)
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        locked = _locked_row(type(row), pk=row.pk, profile=profile)
        before = _snapshot(locked, _MONEY_FIELDS)
        locked.kind, locked.amount, locked.description = kind, amount, description.strip()
        locked.save()
        after = _snapshot(locked, _MONEY_FIELDS)
        _History(profile=profile, actor=actor).updated(locked, before, after)
        audit_record(
            actor=actor,
            action=action,
            target=locked,
            applicant_id=actor.pk,
            data={"fields": _changed_fields(before, after)},
            ip_address=ip_address,
        )
    return locked


def _money_remove(*, row: _Money, action: str, actor: User, ip_address: str | None) -> None:
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        locked = _locked_row(type(row), pk=row.pk, profile=profile)
        _History(profile=profile, actor=actor).removed(locked, _snapshot(locked, _MONEY_FIELDS))
        audit_record(
            actor=actor,
            action=action,
            target=locked,
            applicant_id=actor.pk,
            data={"kind": locked.kind, "amount": str(locked.amount)},
            ip_address=ip_address,
        )
        locked.delete()


def income_source_add(
    *,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str = "",
    ip_address: str | None = None,
) -> IncomeSource:
    return _money_add(
        model=IncomeSource,
        action="income_source.add",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        ip_address=ip_address,
    )


def income_source_update(
    *,
    actor: User,
    income: IncomeSource,
    kind: str,
    amount: Decimal,
    description: str = "",
    ip_address: str | None = None,
) -> IncomeSource:
    return _money_update(
        row=income,
        action="income_source.update",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        ip_address=ip_address,
    )


def income_source_remove(
    *, actor: User, income: IncomeSource, ip_address: str | None = None
) -> None:
    _money_remove(row=income, action="income_source.remove", actor=actor, ip_address=ip_address)


def monthly_obligation_add(
    *,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str = "",
    ip_address: str | None = None,
) -> MonthlyObligation:
    return _money_add(
        model=MonthlyObligation,
        action="monthly_obligation.add",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        ip_address=ip_address,
    )


def monthly_obligation_update(
    *,
    actor: User,
    obligation: MonthlyObligation,
    kind: str,
    amount: Decimal,
    description: str = "",
    ip_address: str | None = None,
) -> MonthlyObligation:
    return _money_update(
        row=obligation,
        action="monthly_obligation.update",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        ip_address=ip_address,
    )


def monthly_obligation_remove(
    *, actor: User, obligation: MonthlyObligation, ip_address: str | None = None
) -> None:
    _money_remove(
        row=obligation, action="monthly_obligation.remove", actor=actor, ip_address=ip_address
    )


# --- step 5: documents --------------------------------------------------------------------

_DOCUMENT_FIELDS = ("kind", "original_name", "content_type", "size")


def _clean_name(name: str) -> str:
    """The uploaded file's own name (no folders), kept for display and download only."""
    return (PurePath(name.replace("\\", "/")).name or "document")[-255:]


def document_upload(
    *, actor: User, kind: str, upload: UploadedFile, ip_address: str | None = None
) -> Document:
    """Store an uploaded file under a random name, after checking what it really is.

    Refused (DocumentRejectedError, nothing stored): empty, over 10 MB, content that is not a
    whole PDF/JPEG/PNG file (checked at its start and its end), or a name whose extension
    disagrees with the content.
    """
    name, size = _clean_name(upload.name or ""), upload.size or 0
    try:
        content_type = check_upload(upload, name=name)
    except ValidationError as error:
        raise DocumentRejectedError(" ".join(error.messages)) from None

    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        document = Document(
            profile=profile,
            kind=kind,
            original_name=name,
            content_type=content_type,
            size=size,
        )
        # The file is written first (the row needs its name); if the row then fails, the
        # file is removed again so nothing is left behind.
        document.file.save("upload", upload, save=False)
        try:
            with transaction.atomic():
                document.save()
                _History(profile=profile, actor=actor).added(
                    document, _snapshot(document, _DOCUMENT_FIELDS)
                )
                audit_record(
                    actor=actor,
                    action="document.upload",
                    target=document,
                    applicant_id=actor.pk,
                    data={"kind": kind, "content_type": content_type, "size": size},
                    ip_address=ip_address,
                )
        except Exception:
            document.file.delete(save=False)
            raise
    return document


class DocumentInUseError(ProfileError):
    """The document is evidence of a request still in progress."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This document is attached to a request that is still in progress, so it "
                "cannot be removed. You can upload a newer document next to it; once the "
                "request is finished (or withdrawn) you can remove this one."
            )
        )


def document_remove(*, actor: User, document: Document, ip_address: str | None = None) -> None:
    """Delete one of ``actor``'s documents; the file goes once the transaction committed.

    Refused (DocumentInUseError, nothing changes) while the document is attached to a live
    request (any status but withdrawn, ineligible, rejected or closed): the charity studying it
    and the ministry must keep seeing what was submitted. The document row is locked first, so
    a submission attaching it at the same moment either commits before (and is seen here) or
    waits for this removal and then fails on the missing row.
    """
    with transaction.atomic(durable=True):
        profile = _locked_profile(actor)
        locked = _locked_row(Document, pk=document.pk, profile=profile)
        if selectors.document_in_live_request(locked):
            raise DocumentInUseError
        _History(profile=profile, actor=actor).removed(locked, _snapshot(locked, _DOCUMENT_FIELDS))
        audit_record(
            actor=actor,
            action="document.remove",
            target=locked,
            applicant_id=actor.pk,
            data={"kind": locked.kind},
            ip_address=ip_address,
        )
        storage, stored_name = locked.file.storage, locked.file.name
        locked.delete()
        # A file that cannot be removed now is only disk space: the removal is logged.
        after_commit(storage.delete, stored_name)


def document_download_record(
    *, actor: User, document: Document, ip_address: str | None = None
) -> None:
    """Log that ``actor`` is being served ``document`` (call after the access check)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="document.download",
            target=document,
            applicant_id=document.profile.user_id,
            data={"kind": document.kind},
            ip_address=ip_address,
        )


# --- the ministry: protected applicants ---------------------------------------------------


class ProtectionNotAllowed(ProfileError):
    def __init__(self) -> None:
        super().__init__(
            _("Only ministry administrators may change whether an applicant is protected.")
        )


class ProtectionReasonRequired(ProfileError):
    field = "reason"

    def __init__(self) -> None:
        super().__init__(_("Give the reason for this change; it is kept in the audit trail."))


class ProtectionUnchanged(ProfileError):
    def __init__(self, protected: bool) -> None:
        super().__init__(
            _("Nothing changed: this applicant is already protected.")
            if protected
            else _("Nothing changed: this applicant is not protected.")
        )


class ApplicantProfileMissing(ProfileError):
    def __init__(self) -> None:
        super().__init__(_("This applicant has not filled in a profile yet."))


def applicant_protection_set(
    *,
    profile_id: int,
    protected: bool,
    actor: User,
    reason: str,
    ip_address: str | None = None,
) -> ApplicantProfile:
    """Mark the applicant of ``profile_id`` as protected (or not), with the reason, audited.

    A protected applicant's contact details are hidden from charities, also from the one
    holding their case. Only ministry administrators may do this (ProtectionNotAllowed); a
    reason is required (ProtectionReasonRequired); setting the value it already has changes
    nothing (ProtectionUnchanged). The audit entry, with the reason, is the flag's history.
    """
    if not can(actor, Capability.PROTECT_APPLICANTS):
        raise ProtectionNotAllowed
    reason = " ".join(reason.split())
    if not reason:
        raise ProtectionReasonRequired
    with transaction.atomic(durable=True):
        profile = ApplicantProfile.objects.select_for_update().filter(pk=profile_id).first()
        if profile is None:
            raise ApplicantProfileMissing
        if profile.is_protected == protected:
            raise ProtectionUnchanged(protected)
        profile.is_protected = protected
        profile.save(update_fields=["is_protected", "updated_at"])
        audit_record(
            actor=actor,
            action=PROTECTION_ACTION,
            target=profile,
            applicant_id=profile.user_id,
            data={"protected": protected, "reason": reason[:500]},
            ip_address=ip_address,
        )
    return profile


def applicant_ministry_view_record(
    *, actor: User, applicant: User, ip_address: str | None = None
) -> None:
    """Log that ministry staff ``actor`` opened ``applicant``'s details (call after access)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="applicant.ministry_view",
            target=applicant,
            applicant_id=applicant.pk,
            ip_address=ip_address,
        )
