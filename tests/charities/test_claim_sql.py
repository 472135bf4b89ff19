"""The claim's SQL is built from the models' metadata, quoted, and reads supported types only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from accounts.models import User
from aid_requests.models import AidRequest, AidType
from applicants.models import ApplicantProfile, HouseholdMember
from charities import claim_sql
from charities.models import Organisation


def test_every_table_of_the_claim_is_named_by_its_model_and_quoted():
    sql = claim_sql.claim_row_sql(connection.vendor)
    through = [Organisation.aid_types.through, Organisation.governorates.through]
    for model in (AidRequest, AidType, User, ApplicantProfile, HouseholdMember, *through):
        assert connection.ops.quote_name(model._meta.db_table) in sql
    column = connection.ops.quote_name(AidRequest._meta.get_field("aid_type").column)
    assert f"{connection.ops.quote_name(AidRequest._meta.db_table)}.{column}" in sql


@pytest.mark.parametrize(
    ("model", "name"),
    [(AidRequest, "amount_requested"), (AidRequest, "submitted_at"), (User, "is_active")],
)
def test_a_field_the_driver_returns_unconverted_is_refused(model, name):
    # A decimal, a datetime (text on SQLite) or a boolean (0/1 on SQLite) would come back wrong.
    with pytest.raises(ImproperlyConfigured, match=name):
        claim_sql.supported(model._meta.get_field(name))


def test_the_fields_the_claim_reads_are_all_supported():
    for model in claim_sql.CLAIM_FIELDS:
        assert [f.attname for f in claim_sql.claim_fields(model)]
