"""Fixtures of the request tests: an applicant ready to apply (``make_ready_applicant``) and the
rent allowance, which asks for documents and has an income limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aid_requests.models import AidType
from tests.dedup.conftest import capital, needy  # noqa: F401  # fixtures shared with dedup
from tests.factories.applicants import make_ready_applicant
from tests.factories.cases import rent_aid_type


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def rent_allowance(db) -> AidType:
    return rent_aid_type(
        code="rent-allowance",
        required_documents=["civil_id_copy", "rent_contract"],
        max_income_per_capita=Decimal("150.000"),
    )


@pytest.fixture
def ready(media, rent_allowance):
    return make_ready_applicant()
