"""Who acts for an organisation in the programme (shared by the services of this package)."""

from __future__ import annotations

from accounts.models import User
from accounts.permissions import Capability, can
from charities.models import Organisation
from charities.selectors import organisation_for_staff
from volunteering.exceptions import NotAllowed, NotLicensedForVolunteering
from volunteering.programme import CODE


def programme_organisation(user: User, capability: Capability) -> Organisation:
    """The active organisation ``user`` acts for, licensed for the programme, if ``user`` may
    do ``capability``."""
    organisation = organisation_for_staff(user) if can(user, capability) else None
    if organisation is None:
        raise NotAllowed
    if not organisation.aid_types.filter(code=CODE).exists():
        raise NotLicensedForVolunteering
    return organisation
