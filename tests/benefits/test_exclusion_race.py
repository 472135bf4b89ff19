"""An import that adds an excluding benefit and a charity's claim of the same person at the same
moment, on real threads and connections (PostgreSQL: advisory locks and the exclusion
constraint; SQLite: one writer at a time and the triggers).

Whichever way they interleave, the state and the charity never both hold the aid type over the
same days: either the claim is refused (the state was first), or the claim went through and the
import opened a coverage conflict naming the case and the benefit (the charity was first).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role
from benefits.models import Agency, BenefitEffect, BenefitKind, BenefitRecord
from benefits.rules import benefit_rule_set
from benefits.services import benefit_file_import
from charities.exceptions import ExcludedByStateBenefit
from charities.services.claim import aid_request_claim
from dedup.models import BINDING, AidCommitment, ConflictStatus, CoverageConflict
from tests.benefits.conftest import benefit_row
from tests.concurrency import outcome, run_together
from tests.factories import GovernorateFactory, StaffUserFactory, civil_id_for
from tests.factories.cases import caseworker, family, needy_aid_type, open_request

pytestmark = pytest.mark.django_db(transaction=True)

#: Other people in the same file, so the import's batch is more than the one row.
OTHERS = 20


@pytest.mark.parametrize("round_", range(5))
def test_import_of_an_excluding_benefit_racing_a_claim_never_covers_twice(
    write_csv, tmp_path, round_
):
    # A transactional test starts from an empty database: the seeded agency is made again.
    agency, _ = Agency.objects.get_or_create(
        code="social_security", defaults={"name_ar": "التأمينات", "name_en": "Social Security"}
    )
    kind, _ = BenefitKind.objects.get_or_create(
        agency=agency,
        code="retirement_pension",
        defaults={"name_ar": "معاش تقاعدي", "name_en": "Retirement pension"},
    )
    capital = GovernorateFactory(code="capital")
    needy = needy_aid_type()
    benefit_rule_set(
        actor=StaffUserFactory(role=Role.MINISTRY_ADMIN),
        aid_type_id=needy.pk,
        kind_id=kind.pk,
        effect=BenefitEffect.EXCLUDES,
    )
    person = civil_id_for(4_300_000 + round_)
    aid_request = open_request(family(capital, applicant_civil_id=person), needy, capital)
    actor = caseworker([needy], [capital])
    rows = [benefit_row(n, civil_id=civil_id_for(4_310_000 + n)) for n in range(OTHERS)]
    rows.insert(OTHERS // 2, benefit_row(OTHERS, civil_id=person))
    path = write_csv(rows)

    def run_import():
        benefit_file_import(path=path, started_by=None, report_path=tmp_path / "report.csv")
        return "imported"

    def run_claim():
        aid_request_claim(aid_request_id=aid_request.pk, actor=actor)
        return "claimed"

    imported, claimed = (
        outcome(r, {ExcludedByStateBenefit: "refused"}) for r in run_together(run_import, run_claim)
    )

    assert imported == "imported", imported
    assert claimed in ("claimed", "refused"), claimed
    assert BenefitRecord.objects.filter(civil_id=person).count() == 1  # the state's fact, kept
    charity = AidCommitment.objects.filter(civil_id=person, status__in=BINDING)
    state = AidCommitment.all_sources.filter(
        civil_id=person, status__in=BINDING, benefit_record__isnull=False
    )
    conflicts = CoverageConflict.objects.filter(aid_request=aid_request, status=ConflictStatus.OPEN)
    if claimed == "refused":
        assert not charity.exists()
        assert state.count() == 1
        assert not conflicts.exists()
    else:
        held = charity.get()
        assert conflicts.count() == 1
        assert conflicts.get().benefit_record.civil_id == person
        for commitment in state:
            assert (
                commitment.period_end < held.period_start
                or commitment.period_start > held.period_end
            )
    out = StringIO()
    call_command("dedup_audit", stdout=out)
    assert ", 0 violations" in out.getvalue(), out.getvalue()
