"""One date form per language, day first (config/formats, config.dates.format_date): pages,
notifications, exports and PDFs write 3 December 2026 the same way."""

from __future__ import annotations

import datetime
import io
import re

import pypdf
import pytest
from django.template import Context, Template
from django.utils import formats, translation

from config.dates import format_date, format_month
from notifications.messages import render
from notifications.models import NotificationKind
from tests.factories import civil_id_for

DAY = datetime.date(2026, 12, 3)
BIRTH = datetime.date(1995, 8, 12)


@pytest.mark.parametrize(
    ("language", "long", "short", "month"),
    [
        ("ar", "3 ديسمبر 2026", "03/12/2026", "ديسمبر 2026"),
        ("en", "3 December 2026", "03/12/2026", "December 2026"),
    ],
)
def test_each_language_writes_the_day_first(language, long, short, month):
    assert format_date(DAY, language) == long
    assert format_date(DAY, language, long=False) == short
    assert format_month(DAY, language) == month
    with translation.override(language):
        page = Template(
            '{{ d|date:"DATE_FORMAT" }}|{{ d|date:"SHORT_DATE_FORMAT" }}'
            '|{{ b|date:"SHORT_DATE_FORMAT" }}'
        ).render(Context({"d": DAY, "b": BIRTH}))
    assert page == f"{long}|{short}|12/08/1995"  # 12 August, never 08/12


def test_a_moment_is_written_in_local_time_day_first():
    moment = datetime.datetime(2026, 12, 3, 9, 5, tzinfo=datetime.UTC)  # 12:05 in Kuwait
    assert format_date(moment, "en") == "3 December 2026, 12:05"
    assert format_date(moment, "ar") == "3 ديسمبر 2026، 12:05"
    assert format_date(moment, "en", long=False) == "03/12/2026 12:05"


@pytest.mark.parametrize("language", ["ar", "en"])
def test_dates_are_read_day_first(language):
    with translation.override(language):
        assert "%d/%m/%Y" in formats.get_format("DATE_INPUT_FORMATS")
        assert "%m/%d/%Y" not in formats.get_format("DATE_INPUT_FORMATS")
        assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"  # <input type=date>


def test_a_notification_writes_its_date_in_the_readers_form():
    context = {"amount": "40.000", "date": "2026-12-03", "number": "MSA-0000030"}
    en = render(NotificationKind.PAYMENT_RECORDED, context, language="en").body
    ar = render(NotificationKind.PAYMENT_RECORDED, context, language="ar").body
    assert "3 December 2026" in en
    assert "2026-12-03" not in en
    assert "3 ديسمبر 2026" in ar


@pytest.mark.django_db
def test_the_receipt_pdf_writes_the_day_first(client):
    from donations.receipts import gift_receipt
    from tests.donations.conftest import manager_of, paid_gift
    from tests.factories import AidTypeFactory, GovernorateFactory

    manager = manager_of([AidTypeFactory()], [GovernorateFactory()])
    gift = paid_gift(manager.membership.organisation, "100")
    text = pypdf.PdfReader(io.BytesIO(gift_receipt(gift, language="en"))).pages[0].extract_text()
    assert format_date(gift.paid_at, "en") in text


#: A date written month first (03/25/2026) or as ISO (2026-03-25) in a page's text.
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def visible_text(html: str) -> str:
    """A page's text as read: no scripts, styles or tags (a date field's ISO value is the
    browser's business, not the reader's)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_charity_case_file_writes_every_date_day_first(client, language):
    """The case file (coverage, the next payment's dates, the timeline) on the 25th: a day
    past 12, so a month-first date cannot pass for a day-first one; no ISO date anywhere."""
    from tests.factories import GovernorateFactory
    from tests.factories.cases import claimed_case, family, needy_aid_type, on

    today = datetime.date(2026, 3, 25)
    with on(today):
        capital = GovernorateFactory()
        applicant = family(capital, [civil_id_for(5_300_001)])
        aid_request, manager = claimed_case(capital, needy_aid_type(), applicant, approve=True)
        client.force_login(manager)
        client.cookies["django_language"] = language
        response = client.get(f"/charity/cases/{aid_request.pk}/")
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert not _ISO.findall(text), _ISO.findall(text)
    slashed = _SLASHED.findall(text)
    assert all(int(month) <= 12 for _day, month, _year in slashed), slashed
    # The file's one form: the short day-first date (coverage, payments, timeline).
    assert f"{format_date(today, language, long=False)} 12:00" in text  # the timeline
    assert format_date(datetime.date(2026, 9, 24), language, long=False) in text  # coverage end
