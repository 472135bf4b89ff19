"""The same upload form sent twice at the same moment (a double click), on real threads and
connections: one import, and both sendings land on its page."""

from __future__ import annotations

import secrets

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from audit.models import AuditEntry
from benefits.models import Agency, BenefitKind, ImportBatch
from tests.benefits.conftest import benefit_row
from tests.concurrency import outcome, run_together
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

IMPORTS = "/ministry/benefits/imports/"


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real"])
@pytest.mark.parametrize("round_", range(2))
def test_a_form_sent_twice_at_once_starts_one_import(
    settings, tmp_path, write_csv, dry_run, round_
):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A transactional test starts from an empty database: the seeded agency is made again.
    agency, _ = Agency.objects.get_or_create(
        code="social_security", defaults={"name_ar": "التأمينات", "name_en": "Social Security"}
    )
    BenefitKind.objects.get_or_create(
        agency=agency,
        code="retirement_pension",
        defaults={"name_ar": "معاش تقاعدي", "name_en": "Retirement pension"},
    )
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    content = write_csv([benefit_row(n) for n in range(1, 21)]).read_bytes()
    key = secrets.token_urlsafe(24)

    def send():
        client = Client()
        client.force_login(admin)
        data = {"file": SimpleUploadedFile("agency.csv", content), "submission_key": key}
        if dry_run:
            data["dry_run"] = "on"
        response = client.post(IMPORTS, data)
        return response.status_code, response.get("Location")

    first, second = (outcome(r) for r in run_together(send, send))

    batch = ImportBatch.objects.get()
    assert first == second == (302, f"{IMPORTS}{batch.pk}/"), (first, second)
    assert AuditEntry.objects.filter(action="benefits.uploaded").count() == 1
    assert AuditEntry.objects.filter(action="benefits.imported").count() == 1
    assert batch.created_count == 20
