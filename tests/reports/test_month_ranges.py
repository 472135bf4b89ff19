"""Every month range the ministry pages read is checked: a month far out (9999-12), garbage, a
reversed range — a clear message, never a 500, nothing exported."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from reports.models import ExportJob
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

BAD_RANGES = {
    "end-9999-12": ({"start": "9999-01", "end": "9999-12"}, "end", "Choose a month from 2000-01"),
    "end-far-after-start": (
        {"start": "2025-01", "end": "9999-12"},
        "end",
        "Choose a month from 2000-01",
    ),
    "full-date-9999": ({"start": "2025-01", "end": "9999-12-31"}, "end", "Choose a month from"),
    "year-one": ({"start": "0001-01", "end": "2025-12"}, "start", "Choose a month from 2000-01"),
    "garbage": ({"start": "2025-01", "end": "soon"}, "end", "Enter a month as YYYY-MM."),
    "month-13": ({"start": "2025-13", "end": "2025-12"}, "start", "Enter a month as YYYY-MM."),
    "reversed": (
        {"start": "2025-05", "end": "2025-01"},
        "end",
        "The end of the range is before its start.",
    ),
}


@pytest.fixture
def english(client: Client, official) -> Client:
    client.raise_request_exception = False
    client.force_login(official)
    client.cookies["django_language"] = "en"
    return client


def _pages() -> list[str]:
    return [
        reverse("reports:statistics"),
        reverse("reports:requests"),
        reverse("reports:organisation", args=[OrganisationFactory().pk]),
    ]


@pytest.mark.parametrize(("query", "field", "message"), BAD_RANGES.values(), ids=BAD_RANGES)
def test_every_statistics_page_answers_a_bad_range_with_a_message(english, query, field, message):
    this_year = timezone.localdate().year
    for url in _pages():
        response = english.get(url, query)
        assert response.status_code == 200, url
        assert response.context["form"].has_error(field), url
        assert message in response.content.decode(), url
        # the figures fall back to this calendar year, and say so in the month fields
        assert response.context["form"].period().start.year == this_year


def test_the_allowed_months_reach_a_few_years_ahead(english):
    last = f"{timezone.localdate().year + 5}-12"
    response = english.get(reverse("reports:statistics"), {"start": "2026-01", "end": last})
    assert response.status_code == 200
    assert not response.context["form"].errors
    refused = english.get(reverse("reports:statistics"), {"start": "2026-01", "end": "2999-12"})
    assert refused.context["form"].has_error("end")


@pytest.mark.parametrize(("query", "field", "message"), BAD_RANGES.values(), ids=BAD_RANGES)
def test_an_export_with_a_bad_range_is_refused_and_nothing_is_exported(
    english, query, field, message
):
    response = english.post(
        reverse("reports:export"), {"kind": "requests", "file_format": "csv", **query}
    )
    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert message in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not AuditEntry.objects.filter(action="reports.export_downloaded").exists()
