"""Fixtures of the one-aid-type tests (the charity tests use them too): a governorate and two
aid types. The families, requests and staff are built with ``tests.factories.cases``."""

from __future__ import annotations

import pytest

from aid_requests.models import AidType
from tests.factories import GovernorateFactory
from tests.factories.cases import needy_aid_type, student_aid_type


@pytest.fixture
def capital(db):
    return GovernorateFactory(code="capital")


@pytest.fixture
def needy(db) -> AidType:
    return needy_aid_type()


@pytest.fixture
def student(db) -> AidType:
    return student_aid_type()
