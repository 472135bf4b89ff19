"""Organisations: applying to join, and the ministry's licensing (approve, suspend, reactivate,
the licence's governorates and aid types).

Organisations apply on a public page; ministry administrators approve, suspend and reactivate
them and edit their licence. Each write is one durable transaction that locks the organisation
row first, writes its audit entry (and, for licence moves, the status history) in the same
transaction, and sends e-mail only after the commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from urllib.parse import urljoin

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.permissions import Capability, can
from aid_requests.models import AidType
from applicants.models import Governorate
from audit.services import audit_record
from charities.exceptions import (
    IllegalStatusMove,
    LicenceNumberTaken,
    NotAllowed,
    OrganisationReasonRequired,
)
from charities.models import (
    Organisation,
    OrganisationApplication,
    OrganisationStatus,
    OrganisationStatusChange,
)
from charities.services.mail import email_after_commit, normalise_email, password_url
from charities.services.staff import application_confirm_token, apply_confirm_seconds

#: Licence moves: name → (the status it starts from, the status it leads to, audit action).
ORGANISATION_MOVES: dict[str, tuple[OrganisationStatus, OrganisationStatus, str]] = {
    "approve": (
        OrganisationStatus.PENDING,
        OrganisationStatus.ACTIVE,
        "organisation.approved",
    ),
    "suspend": (
        OrganisationStatus.ACTIVE,
        OrganisationStatus.SUSPENDED,
        "organisation.suspended",
    ),
    "reactivate": (
        OrganisationStatus.SUSPENDED,
        OrganisationStatus.ACTIVE,
        "organisation.reactivated",
    ),
}


def organisation_apply(
    *,
    name_ar: str,
    name_en: str,
    kind: str,
    licence_number: str,
    governorates: Iterable[Governorate],
    aid_types: Iterable[AidType],
    email: str,
    phone: str,
    manager_name: str,
    manager_email: str,
    language: str,
    ip_address: str | None,
    site_url: str,
) -> Organisation:
    """Record an application to join: a pending organisation and what its manager typed.

    No account is created here: the typed manager e-mail receives a confirmation link, and only
    opening it (``organisation_application_confirm``) creates the manager's account. When
    ``manager_email`` already has an account, nothing is sent but a note to its holder, and the
    application tells the ministry. Either way the caller shows the same page (no account
    enumeration). Raises ``LicenceNumberTaken`` when the licence number is already registered
    (an unconfirmed application whose link has expired no longer holds it).
    """
    manager_email = normalise_email(manager_email)
    governorates, aid_types = list(governorates), list(aid_types)
    try:
        return _apply_once(
            name_ar=name_ar,
            name_en=name_en,
            kind=kind,
            licence_number=licence_number,
            governorates=governorates,
            aid_types=aid_types,
            email=email,
            phone=phone,
            manager_name=manager_name,
            manager_email=manager_email,
            language=language,
            ip_address=ip_address,
            site_url=site_url,
        )
    except IntegrityError:
        # A simultaneous application took the licence number (the only unique value here).
        raise LicenceNumberTaken from None


def _discard_expired_application(licence_number: str) -> None:
    """Delete the pending organisation holding ``licence_number`` if nobody ever confirmed it.

    Only an application whose confirmation link has expired, that the ministry has not acted on
    and that has no staff is a leftover; anything else keeps the licence number.
    """
    cutoff = timezone.now() - datetime.timedelta(seconds=apply_confirm_seconds())
    leftover = (
        Organisation.objects.select_for_update()
        .filter(
            licence_number=licence_number,
            status=OrganisationStatus.PENDING,
            application__manager_confirmed_at__isnull=True,
            application__manager_email_had_account=False,
            application__submitted_at__lt=cutoff,
        )
        .exclude(memberships__isnull=False)
        .exclude(status_changes__isnull=False)
        .first()
    )
    if leftover is not None:
        audit_record(
            actor=None,
            action="organisation.application_discarded",
            target=leftover,
            organisation_id=leftover.pk,
            data={"reason": "unconfirmed"},
        )
        leftover.delete()


def _apply_once(
    *,
    name_ar: str,
    name_en: str,
    kind: str,
    licence_number: str,
    governorates: list[Governorate],
    aid_types: list[AidType],
    email: str,
    phone: str,
    manager_name: str,
    manager_email: str,
    language: str,
    ip_address: str | None,
    site_url: str,
) -> Organisation:
    with transaction.atomic(durable=True):
        _discard_expired_application(licence_number)
        # The check gives the clear message; the unique licence number is the guarantee.
        if Organisation.objects.filter(licence_number=licence_number).exists():
            raise LicenceNumberTaken
        existing = User.objects.filter(email__iexact=manager_email).first()
        organisation = Organisation.objects.create(
            name_ar=name_ar,
            name_en=name_en,
            kind=kind,
            licence_number=licence_number,
            email=email,
            phone=phone,
            status=OrganisationStatus.PENDING,
        )
        organisation.governorates.set(governorates)
        organisation.aid_types.set(aid_types)
        application = OrganisationApplication.objects.create(
            organisation=organisation,
            manager_name=manager_name,
            manager_email=manager_email,
            manager_email_had_account=existing is not None,
            manager_language=language,
            submitted_at=timezone.now(),
            ip_address=ip_address,
        )
        if existing is None:
            confirm_path = reverse(
                "charities:apply_confirm", args=[application_confirm_token(application)]
            )
            email_after_commit(
                to=manager_email,
                language=language,
                subject=_("Musaada: confirm your e-mail to send your organisation's application"),
                template="charities/email/application_received.txt",
                context={
                    "organisation": organisation,
                    "manager_name": manager_name,
                    "confirm_url": urljoin(site_url, confirm_path),
                    "days": apply_confirm_seconds() // (24 * 3600) or 1,
                },
            )
        else:
            # Only the holder of the address learns that it was used.
            email_after_commit(
                to=existing.email or manager_email,
                language=existing.language,
                subject=_("Musaada: your e-mail address was given in an application"),
                template="charities/email/application_email_in_use.txt",
                context={"organisation": organisation},
            )
        audit_record(
            actor=None,
            action="organisation.applied",
            target=organisation,
            organisation_id=organisation.pk,
            data={"manager_email_had_account": existing is not None},
            ip_address=ip_address,
        )
    return organisation


def _require_licensing(actor: User) -> None:
    if not can(actor, Capability.LICENSE_ORGANISATIONS):
        raise NotAllowed


def _organisation_move(
    *, move: str, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Move an organisation's status along ``ORGANISATION_MOVES[move]``, with history and audit.

    Raises ``OrganisationReasonRequired`` without a reason and ``IllegalStatusMove`` when the
    organisation is not in the status the move starts from; nothing is changed then.
    """
    _require_licensing(actor)
    reason = (reason or "").strip()
    if not reason:
        raise OrganisationReasonRequired
    from_status, to_status, action = ORGANISATION_MOVES[move]
    with transaction.atomic(durable=True):
        # Locked: two administrators acting at once queue here, and the second one sees the
        # status the first one left.
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if organisation.status != from_status:
            raise IllegalStatusMove(str(organisation.get_status_display()))
        now = timezone.now()
        organisation.status = to_status
        organisation.save(update_fields=["status"])
        OrganisationStatusChange.objects.create(
            organisation=organisation,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            by=actor,
            at=now,
        )
        audit_record(
            actor=actor,
            action=action,
            target=organisation,
            organisation_id=organisation.pk,
            data={"from": from_status.value, "to": to_status.value, "reason": reason},
        )
        _email_managers(organisation, move=move, site_url=site_url)
    return organisation


def _email_managers(organisation: Organisation, *, move: str, site_url: str) -> None:
    """Tell the organisation's active managers (after the commit) what the ministry did."""
    managers = User.objects.filter(
        membership__organisation=organisation,
        membership__is_active=True,
        role=Role.MANAGER,
        is_active=True,
    ).order_by("pk")
    subjects = {
        "approve": _("Musaada: your organisation is approved"),
        "suspend": _("Musaada: your organisation is suspended"),
        "reactivate": _("Musaada: your organisation is active again"),
    }
    for manager in managers:
        email_after_commit(
            to=manager.email or "",
            language=manager.language,
            subject=subjects[move],
            template=f"charities/email/organisation_{move}.txt",
            context={
                "organisation": organisation,
                "manager_name": manager.full_name,
                "has_password": manager.has_usable_password(),
                "password_url": password_url(site_url),
                "sign_in_url": urljoin(site_url, reverse("account_login")),
            },
        )


def organisation_approve(
    *, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Pending → active. Its managers are e-mailed how to set their password and sign in."""
    return _organisation_move(
        move="approve",
        organisation_id=organisation_id,
        actor=actor,
        reason=reason,
        site_url=site_url,
    )


def organisation_suspend(
    *, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Active → suspended: from the next request on, its staff can do nothing."""
    return _organisation_move(
        move="suspend",
        organisation_id=organisation_id,
        actor=actor,
        reason=reason,
        site_url=site_url,
    )


def organisation_reactivate(
    *, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Suspended → active."""
    return _organisation_move(
        move="reactivate",
        organisation_id=organisation_id,
        actor=actor,
        reason=reason,
        site_url=site_url,
    )


def organisation_licence_update(
    *,
    organisation_id: int,
    actor: User,
    governorates: Iterable[Governorate],
    aid_types: Iterable[AidType],
) -> Organisation:
    """Set the governorates and aid types the organisation is licensed for; audited.

    Cases it already holds stay with it; the new licence limits what it sees and claims next.
    """
    _require_licensing(actor)
    governorates, aid_types = list(governorates), list(aid_types)
    with transaction.atomic(durable=True):
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        before = {
            "governorates": sorted(organisation.governorates.values_list("pk", flat=True)),
            "aid_types": sorted(organisation.aid_types.values_list("pk", flat=True)),
        }
        after = {
            "governorates": sorted(g.pk for g in governorates),
            "aid_types": sorted(t.pk for t in aid_types),
        }
        if before == after:
            return organisation
        organisation.governorates.set(governorates)
        organisation.aid_types.set(aid_types)
        audit_record(
            actor=actor,
            action="organisation.licence_changed",
            target=organisation,
            organisation_id=organisation.pk,
            data={key: {"before": before[key], "after": after[key]} for key in before},
        )
    return organisation
