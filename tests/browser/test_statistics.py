"""Ministry statistics in a real browser: Arabic and English, charts drawn, CSV export."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import AidType
from tests.factories import PASSWORD, StaffUserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("chart-aid-types", "chart-organisations", "chart-governorates", "chart-months")


def demo_range() -> tuple[str, str]:
    """Whole months around the demo data (requests dated up to about five weeks before
    today, payments a few days on): never "this calendar year", which in early January holds
    none of it."""
    today = timezone.localdate()
    start = (today - datetime.timedelta(days=120)).replace(day=1)
    end = (today + datetime.timedelta(days=40)).replace(day=1)
    return f"{start:%Y-%m}", f"{end:%Y-%m}"


def assert_charts_drawn(page) -> None:
    page.wait_for_selector("canvas[data-chart-drawn=true]")
    for chart in CHARTS:
        canvas = page.locator(f"canvas[data-chart={chart}]")
        if canvas.count() == 0:  # a breakdown with no rows has no chart
            continue
        assert canvas.get_attribute("data-chart-drawn") == "true", chart
        box = canvas.bounding_box()
        assert box is not None
        assert box["width"] > 100, chart
        assert box["height"] > 50, chart
    instances = page.evaluate("Object.keys(window.Chart.instances).length")
    assert instances >= 2
    # Something was painted: the canvas is not blank.
    painted = page.evaluate(
        """() => {
          const c = document.querySelector('canvas[data-chart="chart-months"]');
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
          return n;
        }"""
    )
    assert painted > 500


def test_official_reads_statistics_in_both_languages_and_exports(
    page, live_server, settings, tmp_path, artifacts_dir
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    call_command("refresh_rollups", "--full", verbosity=0)
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL, email="stats@ministry.test")
    EmailAddress.objects.create(user=official, email=official.email, verified=True, primary=True)
    start, end = demo_range()

    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(official.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto("/ministry/")
    page.locator("[data-testid=statistics-link]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("form.statistics-filters input[name=start]").fill(start)
    page.locator("form.statistics-filters input[name=end]").fill(end)
    page.locator("form.statistics-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert f"start={start}" in page.url
    assert f"end={end}" in page.url
    assert_charts_drawn(page)
    # RTL: legends and the category axis run from the right.
    rtl = page.evaluate(
        """() => { const c = Object.values(window.Chart.instances)
                     .find(i => i.canvas.dataset.chart === 'chart-aid-types');
                   return [c.options.plugins.legend.rtl, c.options.scales.x.reverse]; }"""
    )
    assert rtl == [True, True]
    amount = page.locator("[data-testid=amount-paid]").inner_text()
    assert amount.replace(",", "").replace(".", "").isdigit()
    assert amount[-4] == "."
    assert float(amount.replace(",", "")) > 0  # the demo's payments are inside the range
    page.screenshot(path=artifacts_dir / "statistics-ar.png", full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
    needy = AidType.objects.get(code="needy-families")
    page.locator("select[name=aid_type]").select_option(label=needy.name_en)
    page.locator("form.statistics-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert f"aid_type={needy.pk}" in page.url
    assert f"start={start}" in page.url  # the range was kept
    assert_charts_drawn(page)
    labels = page.evaluate(
        """() => Object.values(window.Chart.instances)
                 .find(i => i.canvas.dataset.chart === 'chart-aid-types').data.labels"""
    )
    assert labels == [needy.name_en]
    row = page.locator(f"[data-testid=aid_types-row][data-key='{needy.pk}']")
    shown_claims = row.locator("a[data-figure=claims]").inner_text()
    shown_paid = row.locator("a[data-figure=payments_amount]").inner_text()
    page.screenshot(path=artifacts_dir / "statistics-en.png", full_page=True)

    section = page.locator("[data-testid=aid_types-section]")
    with page.expect_download() as info:
        section.locator("button[value=csv]").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert rows[0][0] == "Aid type"
    assert [row[0] for row in rows[1:]] == [needy.name_en]
    exported_row = dict(zip(rows[0], rows[1], strict=True))
    assert exported_row["Claims"] == shown_claims.replace(",", "")
    assert exported_row["Amount paid (KWD)"] == shown_paid.replace(",", "")

    row.locator("a[data-figure=claims]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Requests behind the figures"
    assert page.locator("[data-testid=request-row]").count() == int(shown_claims)
    page.screenshot(path=artifacts_dir / "statistics-requests-en.png", full_page=True)
    assert page.console_errors == []
