"""Organisations with API clients, and calling the API with a client's token."""

from __future__ import annotations

import pytest

from accounts.models import Role
from api.models import MINISTRY_SCOPES, ORGANISATION_SCOPES
from api.services import api_client_create
from tests.dedup.conftest import capital, needy, student  # noqa: F401
from tests.factories.cases import caseworker
from tests.reports.conftest import official, world  # noqa: F401  # the ministry's year

#: Every scope an organisation's client may hold; the ministry's client holds the others.
ALL_SCOPES = tuple(ORGANISATION_SCOPES)
MINISTRY = tuple(MINISTRY_SCOPES)


def new_client(manager, scopes=ALL_SCOPES, rate_limit=1000, name="CaseSoft"):
    """A client of ``manager``'s organisation; returns the client and its token."""
    return api_client_create(
        actor=manager,
        name=name,
        scopes=scopes,
        rate_limit=rate_limit,
        second_factor_passed=True,
    )


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}


def org_manager(aid_type, governorate):
    """The manager of a new organisation licensed for ``aid_type`` in ``governorate``."""
    return caseworker([aid_type], [governorate], role=Role.MANAGER)


@pytest.fixture
def manager(needy, capital):  # noqa: F811  # the fixtures imported above
    """The manager of organisation A (licensed for needy families in the Capital)."""
    return org_manager(needy, capital)
