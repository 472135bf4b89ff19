"""Staff of an organisation: the manager's account created from the confirmation link of an
application, and managers running their own staff (invite, change a role, remove).

Each write is one durable transaction that locks the organisation row (or the application)
first and writes its audit entry in the same transaction; e-mail goes after the commit.
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CHARITY_ROLES, Role, User
from accounts.permissions import Capability, can
from audit.services import audit_record
from charities.exceptions import (
    AlreadyOnStaff,
    ConfirmationLinkExpired,
    ConfirmationLinkInvalid,
    EmailAlreadyHasAccount,
    LastManager,
    NotAllowed,
    RoleNotAllowed,
)
from charities.models import Organisation, OrganisationApplication, StaffMembership
from charities.selectors import organisation_for_staff
from charities.services.mail import email_after_commit, normalise_email, password_url

#: The roles a manager may give their staff.
STAFF_ROLES = (Role.CASEWORKER, Role.MANAGER)


#: How long the link that confirms a manager's e-mail works (override in settings).
APPLY_CONFIRM_SECONDS = 3 * 24 * 3600
_CONFIRM_SALT = "charities.apply.confirm"


def apply_confirm_seconds() -> int:
    return int(getattr(settings, "CHARITY_APPLY_CONFIRM_SECONDS", APPLY_CONFIRM_SECONDS))


def application_confirm_token(application: OrganisationApplication) -> str:
    """The signed, dated token of the link that confirms the manager's e-mail.

    It carries only the application's number (no e-mail address in URLs and access logs); the
    signature is keyed by ``SECRET_KEY``, so it cannot be made up for another application.
    """
    return signing.dumps(application.pk, salt=_CONFIRM_SALT)


def organisation_application_confirm(
    *, token: str, ip_address: str | None
) -> OrganisationApplication:
    """The manager opened the link sent to the typed e-mail: create their account now.

    The account has no usable password and an active membership of the (pending) organisation;
    the manager chooses a password once the ministry approves. If the address got an account in
    the meantime (another organisation invited it), none is created and the application tells
    the ministry, as when it had one from the start. Confirming twice changes nothing.
    Raises ``ConfirmationLinkExpired`` or ``ConfirmationLinkInvalid``.
    """
    try:
        application_id = signing.loads(token, salt=_CONFIRM_SALT, max_age=apply_confirm_seconds())
    except signing.SignatureExpired:
        raise ConfirmationLinkExpired from None
    except signing.BadSignature:
        raise ConfirmationLinkInvalid from None
    if not isinstance(application_id, int):
        raise ConfirmationLinkInvalid
    try:
        return _confirm_once(application_id, ip_address=ip_address)
    except IntegrityError:
        # The address got an account at this very moment (an invitation): the second try
        # finds it and creates nothing.
        return _confirm_once(application_id, ip_address=ip_address)


def _confirm_once(application_id: int, *, ip_address: str | None) -> OrganisationApplication:
    with transaction.atomic(durable=True):
        application = (
            OrganisationApplication.objects.select_for_update()
            .select_related("organisation")
            .filter(pk=application_id)
            .first()
        )
        if application is None:  # discarded, or the organisation was removed
            raise ConfirmationLinkInvalid
        if application.manager_confirmed_at is not None or application.manager_email_had_account:
            return application
        application.manager_confirmed_at = timezone.now()
        existing = User.objects.filter(email__iexact=application.manager_email).exists()
        if existing:
            application.manager_email_had_account = True
        else:
            manager = User.objects.create_user(
                email=application.manager_email,
                password=None,  # unusable until they choose one after approval
                role=Role.MANAGER,
                full_name=application.manager_name,
                language=application.manager_language or settings.LANGUAGE_CODE,
            )
            StaffMembership.objects.create(user=manager, organisation=application.organisation)
        application.save(update_fields=["manager_confirmed_at", "manager_email_had_account"])
        audit_record(
            actor=None,
            action="organisation.manager_confirmed",
            target=application.organisation,
            organisation_id=application.organisation_id,
            data={"manager_email_had_account": existing},
            ip_address=ip_address,
        )
    return application


def _manager_organisation(actor: User) -> Organisation:
    """The active organisation whose staff ``actor`` may manage."""
    if not can(actor, Capability.MANAGE_STAFF):
        raise NotAllowed
    organisation = organisation_for_staff(actor)
    if organisation is None:  # pragma: no cover - can() already refused
        raise NotAllowed
    return organisation


def _lock_organisation(organisation: Organisation) -> Organisation:
    # Every staff change of one organisation queues on its row, so the last-manager check below
    # always counts the managers as they are now (two managers cannot demote each other at once).
    locked: Organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    return locked


def _locked_member(organisation: Organisation, membership_id: int) -> tuple[StaffMembership, User]:
    """An active membership of ``organisation`` and its user, both locked (else NotAllowed)."""
    membership = (
        StaffMembership.objects.select_for_update()
        .filter(
            pk=membership_id, organisation=organisation, is_active=True, is_service_account=False
        )
        .first()
    )
    if membership is None:
        raise NotAllowed
    user = User.objects.select_for_update().get(pk=membership.user_id)
    return membership, user


def _other_active_managers(organisation: Organisation, user: User) -> int:
    return (
        User.objects.filter(
            membership__organisation=organisation,
            membership__is_active=True,
            membership__is_service_account=False,  # an API client's account is no manager
            role=Role.MANAGER,
            is_active=True,
        )
        .exclude(pk=user.pk)
        .count()
    )


def staff_invite(
    *, actor: User, full_name: str, email: str, role: str, site_url: str
) -> StaffMembership:
    """Add a caseworker or manager to the actor's organisation and e-mail them how to sign in.

    A new address gets an account with no usable password. A former member of this organisation
    is taken back with the new role. Any other existing account raises
    ``EmailAlreadyHasAccount`` (only the ministry moves people between organisations).
    """
    organisation = _manager_organisation(actor)
    if role not in STAFF_ROLES:
        raise RoleNotAllowed
    email = normalise_email(email)
    try:
        with transaction.atomic(durable=True):
            _lock_organisation(organisation)
            user = User.objects.select_for_update().filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=None,  # unusable until they choose one
                    role=role,
                    full_name=full_name,
                    language=actor.language,
                )
                membership = StaffMembership.objects.create(user=user, organisation=organisation)
                action = "staff.invited"
            else:
                membership = _former_member(user, organisation)
                membership.is_active = True
                membership.save(update_fields=["is_active"])
                user.role = role
                user.full_name = full_name or user.full_name
                user.save(update_fields=["role", "full_name"])
                action = "staff.reinstated"
            audit_record(
                actor=actor,
                action=action,
                target=membership,
                organisation_id=organisation.pk,
                data={"user": user.pk, "role": role},
            )
            email_after_commit(
                to=email,
                language=user.language,
                subject=_("Musaada: you have been added to %(organisation)s"),
                template="charities/email/staff_invited.txt",
                context={
                    "organisation": organisation,
                    "full_name": user.full_name,
                    "role": Role(role).label,
                    "has_password": user.has_usable_password(),
                    "password_url": password_url(site_url),
                    "sign_in_url": urljoin(site_url, reverse("account_login")),
                },
            )
    except IntegrityError:
        # Another organisation created an account with this address at the same moment.
        raise EmailAlreadyHasAccount from None
    return membership


def _former_member(user: User, organisation: Organisation) -> StaffMembership:
    """The inactive membership of ``user`` in ``organisation``, locked; else why not."""
    membership = StaffMembership.objects.select_for_update().filter(user=user).first()
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or user.role not in CHARITY_ROLES
    ):
        raise EmailAlreadyHasAccount
    if membership.is_active:
        raise AlreadyOnStaff
    return membership


def staff_role_change(*, actor: User, membership_id: int, role: str) -> StaffMembership:
    """Make a member of the actor's organisation a caseworker or a manager.

    Raises ``LastManager`` when that would leave the organisation without an active manager.
    """
    organisation = _manager_organisation(actor)
    if role not in STAFF_ROLES:
        raise RoleNotAllowed
    with transaction.atomic(durable=True):
        _lock_organisation(organisation)
        membership, user = _locked_member(organisation, membership_id)
        before = user.role
        if before == role:
            return membership
        if before == Role.MANAGER and _other_active_managers(organisation, user) == 0:
            raise LastManager
        user.role = role
        user.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="staff.role_changed",
            target=membership,
            organisation_id=organisation.pk,
            data={"user": user.pk, "from": before, "to": role},
        )
    return membership


def staff_remove(*, actor: User, membership_id: int) -> StaffMembership:
    """End a membership: from the next request on, the person can no longer act.

    The account stays (its history and audit trail point at it); a manager may invite the same
    address again later. Raises ``LastManager`` for the organisation's last active manager.
    """
    organisation = _manager_organisation(actor)
    with transaction.atomic(durable=True):
        _lock_organisation(organisation)
        membership, user = _locked_member(organisation, membership_id)
        if user.role == Role.MANAGER and _other_active_managers(organisation, user) == 0:
            raise LastManager
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="staff.removed",
            target=membership,
            organisation_id=organisation.pk,
            data={"user": user.pk, "role": user.role},
        )
    return membership
