"""The bench's HTTP claim plan: it picks only open requests the one-aid-type rule lets through,
so a refusal in the load run is a real failure, never the rule doing its job."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.http_load import claimable_requests
from bench.run import Child
from charities.services.claim import aid_request_claim
from dedup.models import AidCommitment
from tests.factories import GovernorateFactory, civil_id_for
from tests.factories.cases import caseworker, claimed_case, family, needy_aid_type, open_request

pytestmark = pytest.mark.django_db

SPOUSE = civil_id_for(5_300_001)
COVERED_SPOUSE = civil_id_for(5_300_002)


@pytest.fixture
def child(db) -> Child:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_meta (key varchar(40), value varchar(200))")
    return Child(scale=1, quick=True)


def test_only_requests_the_rule_lets_through_are_planned(child):
    capital = GovernorateFactory(code="capital")
    needy = needy_aid_type()
    # Two open requests covering one person: a husband's (his wife in the household) and
    # hers. Only one of them can be claimed.
    husband = open_request(family(capital, [SPOUSE]), needy, capital)
    wife = open_request(family(capital, applicant_civil_id=SPOUSE), needy, capital)
    # A request whose applicant a claimed case already covers (a household member there).
    claimed_case(capital, needy, family(capital, [COVERED_SPOUSE]))
    covered = open_request(family(capital, applicant_civil_id=COVERED_SPOUSE), needy, capital)
    clean = open_request(family(capital), needy, capital)

    for _ in range(20):  # the candidates come in random order: try many of them
        chosen = claimable_requests(child, 2)
        assert clean.pk in chosen
        assert covered.pk not in chosen
        assert len({husband.pk, wife.pk} & set(chosen)) == 1
    # And the rule agrees: every planned claim goes through.
    actor = caseworker([needy], [capital])
    before = AidCommitment.objects.count()
    for pk in chosen:
        aid_request_claim(aid_request_id=pk, actor=actor)
    assert AidCommitment.objects.count() > before


def test_too_few_claimable_requests_stop_the_plan(child):
    capital = GovernorateFactory(code="capital")
    needy = needy_aid_type()
    open_request(family(capital, [SPOUSE]), needy, capital)
    open_request(family(capital, applicant_civil_id=SPOUSE), needy, capital)

    with pytest.raises(RuntimeError, match="only 1 of the 2 claimable"):
        claimable_requests(child, 2)
