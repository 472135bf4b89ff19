"""The statistics, drill-down and organisation pages: who may see them, what they show, cost."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from reports import services
from reports.models import ExportJob
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
YEAR = "start=2025-01-01&end=2025-12-31"


def _job(user):
    return ExportJob.objects.create(
        requested_by=user,
        kind="payments",
        file_format="csv",
        created_at=datetime.datetime.now(datetime.UTC),
    )


def ministry_pages(organisation_pk: int, job_pk: int) -> list[tuple[str, str]]:
    """(method, url) of every ministry page and export."""
    return [
        ("get", reverse("reports:statistics")),
        ("get", reverse("reports:requests")),
        ("get", reverse("reports:organisation", args=[organisation_pk])),
        ("post", reverse("reports:export")),
        ("get", reverse("reports:export_status", args=[job_pk])),
        ("get", reverse("reports:export_download", args=[job_pk])),
    ]


@pytest.fixture
def pages(db):
    organisation = OrganisationFactory()
    job = _job(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    return ministry_pages(organisation.pk, job.pk)


@pytest.mark.parametrize(
    "make_user",
    [
        ApplicantUserFactory,
        lambda: CharityStaffFactory(role=Role.MANAGER),
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
    ],
    ids=["applicant", "charity-manager", "caseworker"],
)
def test_charity_staff_and_applicants_get_403_everywhere(client, pages, make_user):
    client.force_login(make_user())
    for method, url in pages:
        response = getattr(client, method)(url, {"kind": "aid_types", "file_format": "csv"})
        assert response.status_code == 403, url


def test_anonymous_is_sent_to_sign_in_everywhere(client, pages):
    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"/accounts/login/?next={url}")


def test_wrong_method_is_405_everywhere(client, pages, official):
    client.force_login(official)
    for method, url in pages:
        other = "get" if method == "post" else "post"
        assert getattr(client, other)(url).status_code == 405, url


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_see_the_statistics(client, world, role):
    services.rollups_refresh(full=True)
    client.force_login(StaffUserFactory(role=role))
    response = client.get(reverse("reports:statistics") + "?" + YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="amount-paid">500.000<' in html
    assert 'data-testid="blocked-amount">600.000<' in html
    assert "Figures as of" in html or "الأرقام" in html or response.context["stats"].state
    for chart in ("chart-aid-types", "chart-organisations", "chart-governorates", "chart-months"):
        assert f'<script id="{chart}" type="application/json">' in html
        assert f'data-chart="{chart}"' in html
    # No inline script: every <script> either loads a file or carries JSON.
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head


def test_the_default_range_is_this_calendar_year(client, official):
    client.force_login(official)
    period = client.get(reverse("reports:statistics")).context["period"]
    today = timezone.localdate()
    assert (period.start, period.end) == (
        datetime.date(today.year, 1, 1),
        datetime.date(today.year, 12, 31),
    )


def test_a_reversed_range_falls_back_and_says_why(client, official):
    client.force_login(official)
    response = client.get(
        reverse("reports:statistics"), {"start": "2025-05-01", "end": "2025-01-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]


def test_the_page_says_when_figures_are_not_computed_yet(client, official):
    client.force_login(official)
    response = client.get(reverse("reports:statistics"))
    assert response.context["stats"].state is None


def test_english_page_formats_amounts_with_three_decimals(client, world):
    services.rollups_refresh(full=True)
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:statistics") + "?" + YEAR).content.decode()
    assert "Figures as of" in html
    assert ">500.000<" in html


def test_statistics_query_count_does_not_grow_with_the_data(
    client, official, django_assert_max_num_queries
):
    client.force_login(official)
    AidRequestFactory.create_batch(2)
    services.rollups_refresh(full=True)
    url = reverse("reports:statistics")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    AidRequestFactory.create_batch(25)
    services.rollups_refresh(full=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_drill_down_lists_the_requests_behind_a_figure(client, world, official):
    services.rollups_refresh(full=True)
    client.force_login(official)
    url = reverse("reports:requests")
    rows = client.get(url + "?" + YEAR + "&basis=blocked").context["page"].rows
    assert [r.pk for r in rows] == [world.requests["W"].pk]
    rows = client.get(url + "?" + YEAR + f"&basis=claimed&organisation={world.alnoor.pk}")
    assert {r.pk for r in rows.context["page"].rows} == {
        world.requests[k].pk for k in ("P", "F", "S")
    }
    rows = client.get(url + "?" + YEAR + "&basis=submitted&state=held").context["page"].rows
    assert {r.pk for r in rows} == {world.requests["S"].pk, world.requests["R"].pk}
    rows = client.get(url + "?" + YEAR + "&basis=released").context["page"].rows
    assert [r.pk for r in rows] == [world.requests["S"].pk]
    response = client.get(url + "?" + YEAR + "&basis=paid")
    html = response.content.decode()
    assert reverse("aid_requests:detail", args=[world.requests["F"].pk]) in html
    # Read-only and anonymised: no names or civil IDs in the list.
    assert world.requests["F"].applicant.civil_id not in html


def test_drill_down_pages_by_keyset(client, official, monkeypatch):
    from reports import selectors

    monkeypatch.setattr(selectors, "REQUESTS_PAGE_SIZE", 2)
    requests = AidRequestFactory.create_batch(5)
    client.force_login(official)
    url = reverse("reports:requests")
    seen, after = [], None
    while True:
        params = {"basis": "current"} | ({"after": after} if after else {})
        page = client.get(url, params).context["page"]
        seen += [r.pk for r in page.rows]
        after = page.next_cursor
        if after is None:
            break
    assert seen == sorted((r.pk for r in requests), reverse=True)


def test_opening_a_request_from_the_list_is_logged(client, world, official):
    client.force_login(official)
    response = client.get(reverse("aid_requests:detail", args=[world.requests["F"].pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        actor=official, action="aid_request.personal_data_viewed"
    ).exists()


def test_organisation_page_shows_activity_open_and_overdue_claims(client, world, official):
    services.rollups_refresh(full=True)
    client.force_login(official)
    response = client.get(reverse("reports:organisation", args=[world.alkhair.pk]) + "?" + YEAR)
    report = response.context["report"]
    assert report.open_claims == 1  # R
    assert report.overdue_claims == 1  # claimed on 2025-04-01, deadline 14 days
    assert [r.pk for r in report.overdue] == [world.requests["R"].pk]
    assert report.blocked_total == 1
    assert report.figures["claims"] == 1
    noor = client.get(reverse("reports:organisation", args=[world.alnoor.pk]) + "?" + YEAR)
    report = noor.context["report"]
    assert report.payments_total == 3
    assert str(report.figures["payments_amount"]) == "500.000"
    assert report.figures["released_by_deadline"] == 1
    assert report.open_claims == 0
    html = noor.content.decode()
    assert 'data-testid="org-paid">500.000<' in html


def test_unknown_organisation_is_404(client, official):
    client.force_login(official)
    assert client.get(reverse("reports:organisation", args=[999999])).status_code == 404


def test_overview_links_to_the_statistics(client, official):
    client.force_login(official)
    html = client.get(reverse("reports:overview")).content.decode()
    assert reverse("reports:statistics") in html
