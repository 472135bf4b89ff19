"""The statistics, drill-down and organisation pages: what they show, the lists behind each
figure, the figures' freshness without Celery beat, and the cost of a page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import RequestStatus
from audit.models import AuditEntry
from config.dates import format_date
from reports.models import RollupState
from reports.selectors.drilldown import requests_page
from reports.selectors.filters import Period, RequestFilters
from reports.selectors.statistics import FIGURES, ORG_FIGURES, statistics
from reports.services.rollups import rollups_refresh
from tests.factories import AidRequestFactory, StaffUserFactory
from tests.reports.conftest import at, pay_p_in_june

pytestmark = pytest.mark.django_db
YEAR = "start=2025-01&end=2025-12"
YEAR_PERIOD = Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_see_the_statistics(client, world, role, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: beat refreshes
    rollups_refresh(full=True)
    client.force_login(StaffUserFactory(role=role))
    client.cookies["django_language"] = "en"
    response = client.get(reverse("reports:statistics") + "?" + YEAR)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="amount-paid">500.000<' in html
    # W's 600.000 over six months, two of them held by F once F was closed early
    assert 'data-testid="blocked-amount">200.000<' in html
    assert 'data-testid="households">3<' in html
    finished = RollupState.objects.get().finished_at
    when = format_date(finished, "en")
    assert f"Figures as of {when} (refreshed every five minutes)." in html
    assert "whole calendar months" in html
    for chart in ("chart-aid-types", "chart-organisations", "chart-governorates", "chart-months"):
        assert f'<script id="{chart}" type="application/json">' in html
        assert f'data-chart="{chart}"' in html
    # No inline script: every <script> either loads a file or carries JSON.
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head
    assert "query" not in response.context  # nothing unused is handed to the template


def test_the_default_range_is_this_calendar_year(client, official):
    client.force_login(official)
    period = client.get(reverse("reports:statistics")).context["period"]
    today = timezone.localdate()
    assert (period.start, period.end) == (
        datetime.date(today.year, 1, 1),
        datetime.date(today.year, 12, 31),
    )


def test_a_range_is_whole_months_and_a_day_in_the_link_means_its_month(client, official):
    client.force_login(official)
    response = client.get(reverse("reports:statistics"), {"start": "2025-02-14", "end": "2025-04"})
    period = response.context["period"]
    assert (period.start, period.end) == (datetime.date(2025, 2, 1), datetime.date(2025, 4, 30))
    html = response.content.decode()
    assert 'type="month" name="start" value="2025-02"' in html


def test_a_reversed_range_falls_back_and_says_why(client, official):
    client.force_login(official)
    response = client.get(reverse("reports:statistics"), {"start": "2025-05", "end": "2025-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["end"]


def test_the_page_says_when_figures_are_not_computed_yet(client, official, settings):
    """With Celery beat (no inline tasks) the page never computes figures itself."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client.force_login(official)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("reports:statistics"))
    html = response.content.decode()
    assert "The figures have not been computed yet; they appear within five minutes." in html
    assert not RollupState.objects.exists()


def test_without_beat_the_page_brings_the_figures_up_to_date(client, world, official, settings):
    """The embedded default (tasks inline, no beat): nothing refreshed the rollups, yet the
    page shows the figures, and a later change shows once the figures are a minute old."""
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert not RollupState.objects.exists()
    client.force_login(official)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:statistics") + "?" + YEAR).content.decode()
    assert 'data-testid="amount-paid">500.000<' in html
    assert "(brought up to date when this page is opened)" in html
    later = timezone.now() + datetime.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        pay_p_in_june(world)
        html = client.get(reverse("reports:statistics") + "?" + YEAR).content.decode()
    assert 'data-testid="amount-paid">800.000<' in html
    assert RollupState.objects.get().version == 2  # the first (full) run, then one more


def test_english_page_formats_amounts_with_three_decimals(client, world):
    rollups_refresh(full=True)
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
    rollups_refresh(full=True)
    url = reverse("reports:statistics")
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    AidRequestFactory.create_batch(25)
    rollups_refresh(full=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# --- the list behind each figure ----------------------------------------------------------


def drilled(client, query: str) -> list:
    """Every row of the list behind a figure, following the keyset pages."""
    rows, after = [], None
    while True:
        response = client.get(
            reverse("reports:requests") + "?" + query + (f"&after={after}" if after else "")
        )
        assert response.status_code == 200
        page = response.context["page"]
        rows += page.rows
        after = page.next_cursor
        if after is None:
            return rows


def _links(html: str, testid: str) -> list[tuple[str, str, str]]:
    """(figure, query string, shown value) of each figure link in the rows of one table."""
    found = []
    for row in re.findall(rf'<tr data-testid="{testid}-row".*?</tr>', html, re.S):
        found += re.findall(
            r'href="/ministry/statistics/requests/\?([^"]+)" data-figure="(\w+)">([^<]*)<', row
        )
    return [(figure, query.replace("&amp;", "&"), value) for query, figure, value in found]


def _value(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.mark.parametrize("table", ["aid_types", "governorates", "months", "organisations"])
def test_each_figure_of_a_breakdown_opens_a_list_of_as_many_rows(client, world, official, table):
    rollups_refresh(full=True)
    client.force_login(official)
    html = client.get(reverse("reports:statistics") + "?" + YEAR).content.decode()
    links = _links(html, table)
    figures = {figure for figure, _query, _value in links}
    expected = set(ORG_FIGURES if table == "organisations" else FIGURES)
    assert figures == expected
    checked = 0
    for figure, query, shown in links:
        rows = drilled(client, query)
        if figure.endswith("_amount"):
            assert sum((r.amount for r in rows), Decimal("0")) == _value(shown), (figure, query)
        else:
            assert len(rows) == _value(shown), (figure, query)
        checked += bool(rows)
    assert checked >= 5  # the world has something behind most figures


def test_a_month_drill_is_that_month_only(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    html = client.get(reverse("reports:statistics") + "?" + YEAR).content.decode()
    march = [q for f, q, _v in _links(html, "months") if f == "payments_count" and "2025-03" in q]
    assert march
    assert "start=2025-03&end=2025-03" in march[0]
    rows = drilled(client, march[0])
    assert [r.when for r in rows] == [datetime.date(2025, 3, 20)]  # F's second payment


def test_headline_figures_link_to_their_lists(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    html = client.get(reverse("reports:statistics") + "?" + YEAR).content.decode()
    h = statistics(YEAR_PERIOD).headline
    for testid, value in (
        ("submitted", h.submitted),
        ("open-now", h.open_now),
        ("held-now", h.held_now),
        ("closed-now", h.closed_now),
        ("ineligible-now", h.ineligible_now),
        ("claims", h.claims),
        ("closures", h.closures),
        ("released", h.released_by_deadline),
        ("payments-count", h.payments),
        ("blocked-count", h.blocked_count),
    ):
        match = re.search(
            rf'href="/ministry/statistics/requests/\?([^"]+)" data-testid="{testid}"', html
        )
        assert match, testid
        assert len(drilled(client, match.group(1).replace("&amp;", "&"))) == value, testid
    match = re.search(
        r'href="/ministry/statistics/requests/\?([^"]+)" data-testid="amount-paid"', html
    )
    rows = drilled(client, match.group(1).replace("&amp;", "&"))
    assert sum(r.amount for r in rows) == h.amount_paid


def test_drill_down_lists_the_events_behind_a_figure(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    rows = drilled(client, YEAR + "&basis=blocked")
    assert [r.request_id for r in rows] == [world.requests["W"].pk]
    rows = drilled(client, YEAR + f"&basis=claimed&organisation={world.alnoor.pk}")
    # S was claimed twice by Al-Noor: two claims, two rows.
    assert sorted(r.request_id for r in rows) == sorted(
        world.requests[k].pk for k in ("P", "F", "S", "S")
    )
    rows = drilled(client, YEAR + "&basis=submitted&state=held")
    assert {r.request_id for r in rows} == {world.requests["S"].pk, world.requests["R"].pk}
    rows = drilled(client, YEAR + f"&basis=released&organisation={world.alnoor.pk}")
    assert [r.request_id for r in rows] == [world.requests["S"].pk]
    assert drilled(client, YEAR + f"&basis=released&organisation={world.alkhair.pk}") == []
    response = client.get(reverse("reports:requests") + "?" + YEAR + "&basis=paid")
    html = response.content.decode()
    assert reverse("aid_requests:detail", args=[world.requests["F"].pk]) in html
    # Read-only and anonymised: no names or civil IDs in the list.
    assert world.requests["F"].applicant.civil_id not in html


def test_drill_down_pages_by_keyset(client, official):
    requests = AidRequestFactory.create_batch(5)
    filters = RequestFilters(period=YEAR_PERIOD, basis="current")
    seen, after, pages = [], None, 0
    while True:
        page = requests_page(filters, after=after, limit=2)
        seen += [r.request_id for r in page.rows]
        pages += 1
        after = page.next_cursor
        if after is None:
            break
    assert seen == sorted((r.pk for r in requests), reverse=True)
    assert pages == 3
    # The page's "next" link carries the cursor.
    client.force_login(official)
    response = client.get(
        reverse("reports:requests"), {"basis": "current", "after": requests[2].pk}
    )
    assert [r.request_id for r in response.context["page"].rows] == [r.pk for r in requests[1::-1]]


def test_opening_a_request_from_the_list_is_logged(client, world, official):
    client.force_login(official)
    response = client.get(reverse("aid_requests:detail", args=[world.requests["F"].pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(
        actor=official, action="aid_request.personal_data_viewed"
    ).exists()


# --- one organisation ---------------------------------------------------------------------


def test_organisation_page_shows_activity_and_cases_held(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    response = client.get(reverse("reports:organisation", args=[world.alkhair.pk]) + "?" + YEAR)
    report = response.context["report"]
    assert report.open_claims == 1  # R
    assert report.blocked_total == 1
    assert report.figures["claims"] == 1
    assert "submitted" not in report.figures
    noor = client.get(reverse("reports:organisation", args=[world.alnoor.pk]) + "?" + YEAR)
    report = noor.context["report"]
    assert report.payments_total == 3
    assert str(report.figures["payments_amount"]) == "500.000"
    assert report.figures["released_by_deadline"] == 1
    assert report.open_claims == 2  # P (approved, never paid) and S (paying)
    html = noor.content.decode()
    assert 'data-testid="org-paid">500.000<' in html
    assert "query" not in noor.context


def test_due_or_overdue_counts_claims_near_the_deadline_and_late_payments(
    client, world, official, settings
):
    """Al-Khair's claim of R (Apr 1) is due on Apr 12 (deadline 14 days, warned 3 before);
    Al-Noor's P was approved in January for one payment and its month ended unpaid; S was paid
    its one payment (nothing more due)."""
    settings.CLAIM_DEADLINE_DAYS = 14
    client.force_login(official)
    with time_machine.travel(at(4, 11), tick=False):
        khair = client.get(reverse("reports:organisation", args=[world.alkhair.pk]))
        assert khair.context["report"].overdue_claims == 0  # 10 days old: not yet
    with time_machine.travel(at(4, 12), tick=False):
        khair = client.get(reverse("reports:organisation", args=[world.alkhair.pk]))
        noor = client.get(reverse("reports:organisation", args=[world.alnoor.pk]))
        listed = drilled(
            client, f"basis=current&state=held&overdue=1&organisation={world.alnoor.pk}"
        )
    assert [r.pk for r in khair.context["report"].overdue] == [world.requests["R"].pk]
    assert khair.context["report"].overdue_claims == 1
    report = noor.context["report"]
    assert [r.pk for r in report.overdue] == [world.requests["P"].pk]
    assert report.overdue_claims == 1
    assert [r.request_id for r in listed] == [world.requests["P"].pk]
    assert world.requests["S"].status == RequestStatus.PAYING


def test_a_monthly_case_is_overdue_only_once_its_month_is_over(world, settings):
    """F was approved for six monthly payments from its coverage start; two are recorded."""
    from reports.selectors.drilldown import annotate_overdue, overdue_condition

    request = world.requests["F"]
    request.status = RequestStatus.PAYING
    request.save(update_fields=["status"])
    start = request.coverage_start
    from config.dates import add_months

    def overdue_on(day: datetime.date) -> bool:
        qs = annotate_overdue(type(request).objects.filter(pk=request.pk), today=day)
        return qs.filter(overdue_condition(day)).exists()

    assert not overdue_on(add_months(start, 3) - datetime.timedelta(days=1))
    assert overdue_on(add_months(start, 3))  # month 3 over, its payment missing


def test_unknown_organisation_is_404(client, official):
    client.force_login(official)
    assert client.get(reverse("reports:organisation", args=[999999])).status_code == 404


def test_overview_links_to_the_statistics(client, official):
    client.force_login(official)
    html = client.get(reverse("reports:overview")).content.decode()
    assert reverse("reports:statistics") in html
    assert reverse("reports:my_exports") in html


#: The loop ``breakdown_rows`` replaced in ``reports/partials/breakdown.html`` (issue 19).
_LOOP = (
    """{% load forms statistics %}{% for row in breakdown.rows %}
<tr data-testid="{{ kind }}-row" data-key="{% if kind == 'months' %}{{ row.key|date:'Y-m' }}"""
    """{% else %}{{ row.key }}{% endif %}">
<th scope="row" class="fw-normal{% if kind == 'months' %} text-nowrap{% endif %}">
{% if kind == "organisations" %}
<a href="{{ organisations_url }}{{ row.key }}/?{{ period_query }}">{{ row.label }}</a>
{% else %}{{ row.label }}{% endif %}
</th>
{% for name, value, drill, is_money in row.cells %}
<td class="text-end{% if is_money %} nowrap{% endif %}" dir="ltr">
<a href="{{ requests_url }}?{{ drill }}" data-figure="{{ name }}">
{% if is_money %}{{ value|money }}{% else %}{{ value|count }}{% endif %}</a>
</td>{% endfor %}
</tr>{% endfor %}"""
)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_tables_rows_made_in_python_are_the_template_loops(world, language):
    """Issue 19: ``breakdown_rows`` writes the rows the template loop wrote (whitespace aside),
    every value escaped, in each table and language."""
    from django.template import Context, Template
    from django.utils import translation

    from reports.templatetags.statistics import breakdown_rows

    rollups_refresh(full=True)
    with translation.override(language):
        stats = statistics(YEAR_PERIOD)
        tables = {
            "aid_types": stats.by_aid_type,
            "organisations": stats.by_organisation,
            "governorates": stats.by_governorate,
            "months": stats.by_month,
        }
        urls = ("/ministry/requests/", "/ministry/statistics/organisations/", "start=2025-01&x=<y>")
        for kind, breakdown in tables.items():
            assert breakdown.rows
            old = Template(_LOOP).render(
                Context(
                    {
                        "breakdown": breakdown,
                        "kind": kind,
                        "requests_url": urls[0],
                        "organisations_url": urls[1],
                        "period_query": urls[2],
                    }
                )
            )
            new = breakdown_rows(breakdown, kind, *urls)
            assert re.sub(r"\s+", "", str(new)) == re.sub(r"\s+", "", old), kind
    assert "x=&lt;y&gt;" in str(breakdown_rows(stats.by_organisation, "organisations", *urls))
