# The case fixtures of the one-aid-type tests serve the charity tests too.
from decimal import Decimal

import pytest

from aid_requests.models import AidType
from benefits.models import AidTypeBenefitRule, BenefitEffect, BenefitKind
from tests.benefits.conftest import agency  # noqa: F401  # the stub agency (submission tests)
from tests.dedup.conftest import capital, needy, student  # noqa: F401
from tests.factories.cases import rent_aid_type


@pytest.fixture
def rent(settings, tmp_path) -> AidType:
    """The rent allowance (limit 150 a person); a retirement pension counts as its income."""
    settings.MEDIA_ROOT = tmp_path
    aid_type = rent_aid_type(max_income_per_capita=Decimal("150.000"))
    AidTypeBenefitRule.objects.create(
        aid_type=aid_type,
        kind=BenefitKind.objects.get(agency__code="social_security", code="retirement_pension"),
        effect=BenefitEffect.INCOME,
    )
    return aid_type
