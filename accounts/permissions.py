"""The one place that answers "what may this user do?".

Views, templates (through the navigation context processor) and services ask ``can(user, …)``;
nothing else compares roles. Object-level access (which case, which organisation) is answered
by each app's selectors, which start from what this module allows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from accounts.models import CHARITY_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


class Capability(enum.StrEnum):
    # applicants
    APPLY = "apply"
    VIEW_OWN_REQUESTS = "view_own_requests"
    # charity staff
    VIEW_QUEUE = "view_queue"
    CLAIM_CASE = "claim_case"
    RECORD_PAYMENT = "record_payment"
    APPROVE_CASE = "approve_case"
    RELEASE_CASE = "release_case"
    MANAGE_STAFF = "manage_staff"
    # ministry
    VIEW_STATISTICS = "view_statistics"
    VIEW_ALL_CASES = "view_all_cases"
    LICENSE_ORGANISATIONS = "license_organisations"
    MANAGE_AID_TYPES = "manage_aid_types"
    MANAGE_SETTINGS = "manage_settings"
    REVIEW_APPEALS = "review_appeals"
    #: Reject a request waiting in the queue (e.g. forged evidence), with a reason.
    REJECT_REQUESTS = "reject_requests"
    #: Mark an applicant as protected (contact details hidden from charities), or undo it.
    #: Ministry administrators only: it changes what charities may see of a person.
    PROTECT_APPLICANTS = "protect_applicants"
    #: Upload an agency's file of state benefits in the portal and read the imports.
    #: Ministry administrators only: it writes records that bind every charity.
    IMPORT_BENEFITS = "import_benefits"


_CASEWORKER = {
    Capability.VIEW_QUEUE,
    Capability.CLAIM_CASE,
    Capability.RECORD_PAYMENT,
}
_OFFICIAL = {Capability.VIEW_STATISTICS, Capability.VIEW_ALL_CASES}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.APPLICANT: frozenset({Capability.APPLY, Capability.VIEW_OWN_REQUESTS}),
    Role.CASEWORKER: frozenset(_CASEWORKER),
    Role.MANAGER: frozenset(
        _CASEWORKER | {Capability.APPROVE_CASE, Capability.RELEASE_CASE, Capability.MANAGE_STAFF}
    ),
    Role.MINISTRY_OFFICIAL: frozenset(_OFFICIAL),
    Role.MINISTRY_ADMIN: frozenset(
        _OFFICIAL
        | {
            Capability.LICENSE_ORGANISATIONS,
            Capability.MANAGE_AID_TYPES,
            Capability.MANAGE_SETTINGS,
            Capability.REVIEW_APPEALS,
            Capability.REJECT_REQUESTS,
            Capability.PROTECT_APPLICANTS,
            Capability.IMPORT_BENEFITS,
        }
    ),
}


def capabilities(user: User | AnonymousUser) -> frozenset[Capability]:
    """Everything ``user`` may do right now (empty for anonymous or inactive users).

    Charity staff act only through a membership of an *active* organisation: staff of a pending
    or suspended organisation, or without a membership, may do nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    role = user.role
    if role in CHARITY_ROLES:
        organisation = acting_organisation(user)
        if organisation is None:
            return frozenset()
    return ROLE_CAPABILITIES.get(role, frozenset())


def can(user: User | AnonymousUser, capability: Capability) -> bool:
    return capability in capabilities(user)


class ActingOrganisation(Protocol):
    """What the apps below charities read of the organisation a staff member acts for: its id
    and whether it is licensed. It is a ``charities.Organisation``, reached through the reverse
    one-to-one ``user.membership`` (a ``charities.StaffMembership``) — the ground floor imports
    no domain app; charities reads it with its own type (``charities.selectors``)."""

    @property
    def pk(self) -> int: ...
    @property
    def is_active(self) -> bool: ...


def acting_organisation(user: User) -> ActingOrganisation | None:
    """The active organisation ``user`` works for, or None."""
    try:
        membership = user.membership
    except ObjectDoesNotExist:  # not charity staff
        return None
    if not membership.is_active:
        return None
    organisation = membership.organisation
    return organisation if organisation.is_active else None


def has_second_factor(user: User) -> bool:
    """The account has a TOTP device enrolled. Says nothing about this session: what to tell
    someone (set one up, or sign in with it), never whether they may see personal data."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def second_factor_passed(request: HttpRequest) -> bool:
    """This session proved the second factor: allauth's records of how the signed-in user
    authenticated in this session (kept in the session, tied to that user) hold an ``mfa``
    step — a TOTP code or recovery code typed at sign-in or re-authentication, or the code
    that activated the device in this session (``accounts.receivers``)."""
    from allauth.account.internal.flows.login import get_authentication_records

    user = request.user
    if not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def may_see_personal_data(user: User | AnonymousUser, *, second_factor_passed: bool) -> bool:
    """The rule: applicants see their own data; staff see names, civil IDs and documents only
    in a session that passed the second factor, when one is required (``STAFF_REQUIRE_MFA``).

    Views ask ``personal_data_allowed(request)``; services, which know no request, are given
    the view's ``second_factor_passed`` verdict and ask this."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not settings.STAFF_REQUIRE_MFA or user.is_applicant:
        return True
    return second_factor_passed


def personal_data_allowed(request: HttpRequest) -> bool:
    """The one question every page and download with personal data asks."""
    return may_see_personal_data(request.user, second_factor_passed=second_factor_passed(request))


ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def require_capability(capability: Capability) -> Callable[[ViewFunc], ViewFunc]:
    """Anonymous → sign-in page; signed in without ``capability`` → 403."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return cast(ViewFunc, login_required(wrapped))

    return decorator


def second_factor_required_response(request: HttpRequest) -> HttpResponse:
    """403 with a page that says what to do: sign in again with the second factor, or set
    one up. Never the data."""
    from django.shortcuts import render

    user = request.user
    enrolled = user.is_authenticated and has_second_factor(user)
    return render(
        request, "accounts/second_factor_required.html", {"enrolled": enrolled}, status=403
    )


def require_personal_data(view: ViewFunc) -> ViewFunc:
    """For a view that shows personal data: staff without a passed second factor (where one
    is required) get ``second_factor_required_response`` instead. Put it under the capability
    check (``@require_capability`` first), so anonymous visitors still go to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not personal_data_allowed(request):
            return second_factor_required_response(request)
        return view(request, *args, **kwargs)

    return cast(ViewFunc, wrapped)
