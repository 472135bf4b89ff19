"""The shared queue: licence scope, filters, both sort orders, keyset pages, anonymity."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine

from aid_requests.models import AidRequest, RequestStatus
from applicants.models import ApplicantProfile
from charities.selectors import QueueFilters, licence_of, queue_for
from charities.services.claim import aid_request_claim
from tests.factories import GovernorateFactory, civil_id_for
from tests.factories.cases import caseworker, family, open_request, rent_aid_type

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)

#: name → (aid type, governorate, amount, need score, days before NOW it was submitted).
#: Ties on purpose: f and e share a score, c and e a submission moment, so that a page
#: boundary falls inside a tie in each sort order (see the paging test).
DATA = {
    "a": ("needy", "capital", "300", 80, 10),
    "b": ("needy", "hawalli", "500", 40, 3),
    "c": ("student", "capital", "150", 90, 7),
    "d": ("student", "hawalli", "700", 20, 20),
    "e": ("needy", "capital", "1000", 60, 7),
    "f": ("student", "capital", "250", 60, 15),
}
BY_SCORE = ["c", "a", "f", "e", "b", "d"]  # need score down, then newest id first
OLDEST = ["d", "f", "a", "c", "e", "b"]  # submitted first, then lowest id first


class Queue:
    """The known data set: one organisation, six requests in its licence, four outside it."""

    def __init__(self, capital, needy, student) -> None:
        self.capital, self.needy, self.student = capital, needy, student
        self.hawalli = GovernorateFactory(code="hawalli")
        self.jahra = GovernorateFactory(code="jahra")
        self.rent = rent_aid_type()
        self.staff = caseworker([needy, student], [capital, self.hawalli])
        self.organisation = self.staff.membership.organisation
        self.ids: dict[str, int] = {}
        for name, (aid_type, governorate, amount, score, days) in DATA.items():
            self.ids[name] = self.add(name, aid_type, governorate, amount, score, days)
        # outside: an aid type not licensed, a governorate not licensed, and not open any more
        self.outside = [
            self.add("rent", "rent", "capital", "400", 99, 5),
            self.add("jahra", "needy", "jahra", "400", 99, 5),
            self.add("claimed", "needy", "capital", "400", 99, 5, status=RequestStatus.CLAIMED),
            self.add("withdrawn", "student", "hawalli", "400", 99, 5, RequestStatus.WITHDRAWN),
        ]

    def add(self, name, aid_type, governorate, amount, score, days, status=RequestStatus.OPEN):
        aid_request = open_request(
            family(getattr(self, governorate)), getattr(self, aid_type), getattr(self, governorate)
        )
        aid_request.amount_requested = Decimal(amount)
        aid_request.need_score = score
        aid_request.submitted_at = NOW - datetime.timedelta(days=days)
        aid_request.status = status
        if status == RequestStatus.CLAIMED:
            aid_request.claimed_by = caseworker(
                [self.needy], [self.capital]
            ).membership.organisation
            aid_request.claimed_at = NOW
        aid_request.save()
        return aid_request.pk

    def names(self, pks) -> list[str]:
        by_pk = {pk: name for name, pk in self.ids.items()}
        return [by_pk.get(pk, f"outside #{pk}") for pk in pks]


@pytest.fixture
def queue(capital, needy, student):
    with time_machine.travel(NOW, tick=False):
        return Queue(capital, needy, student)


def shown(client, queue, query) -> list[str]:
    query = {
        key: (getattr(queue, value).pk if key in ("aid_type", "governorate") else value)
        for key, value in query.items()
    }
    with time_machine.travel(NOW, tick=False):
        response = client.get("/charity/queue/", query)
    assert response.status_code == 200
    return queue.names(row["request"].pk for row in response.context["rows"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, BY_SCORE),
        ({"sort": "score"}, BY_SCORE),
        ({"sort": "oldest"}, OLDEST),
        ({"aid_type": "student"}, ["c", "f", "d"]),
        ({"aid_type": "needy", "sort": "oldest"}, ["a", "e", "b"]),
        ({"governorate": "hawalli"}, ["b", "d"]),
        ({"min_amount": "300"}, ["a", "e", "b", "d"]),  # 300 itself included
        ({"max_amount": "300"}, ["c", "a", "f"]),
        ({"min_amount": "250", "max_amount": "500"}, ["a", "f", "b"]),
        ({"min_score": "60"}, ["c", "a", "f", "e"]),  # 60 itself included
        ({"min_score": "61", "sort": "oldest"}, ["a", "c"]),
        ({"aid_type": "needy", "governorate": "capital", "min_score": "70"}, ["a"]),
        ({"aid_type": "student", "governorate": "hawalli", "max_amount": "600"}, []),
    ],
    ids=[
        "default",
        "score",
        "oldest",
        "aid-type",
        "aid-type-oldest",
        "governorate",
        "min-amount",
        "max-amount",
        "amount-range",
        "min-score",
        "min-score-oldest",
        "combined",
        "nothing",
    ],
)
def test_filters_and_sort_orders_show_exactly_the_matching_requests(client, queue, query, expected):
    client.force_login(queue.staff)
    assert shown(client, queue, query) == expected


def test_requests_outside_the_licence_or_not_open_are_never_in_the_queue(client, queue):
    client.force_login(queue.staff)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/charity/queue/").content.decode()
    claim_links = {int(pk) for pk in re.findall(r"/charity/queue/(\d+)/claim/", page)}
    assert claim_links == set(queue.ids.values())
    assert claim_links.isdisjoint(queue.outside)
    assert client.get("/charity/").context["open_in_licence"] == len(DATA)


def test_a_filter_outside_the_licence_shows_nothing_of_it(client, queue):
    """The form offers only licensed choices; a forged one is ignored, never widens the queue."""
    client.force_login(queue.staff)
    assert shown(client, queue, {"aid_type": "rent"}) == BY_SCORE
    assert shown(client, queue, {"governorate": "jahra"}) == BY_SCORE


@pytest.mark.parametrize(
    ("sort", "limit", "pages"),
    [
        ("score", 3, [["c", "a", "f"], ["e", "b", "d"]]),  # f | e: the same score
        ("score", 2, [["c", "a"], ["f", "e"], ["b", "d"]]),
        ("oldest", 2, [["d", "f"], ["a", "c"], ["e", "b"]]),  # c | e: the same moment
        ("oldest", 4, [["d", "f", "a", "c"], ["e", "b"]]),
    ],
)
def test_keyset_pages_walk_each_order_once_even_through_ties(queue, sort, limit, pages):
    walked, after = [], None
    for _ in range(len(pages) + 1):
        page = queue_for(queue.organisation, QueueFilters(sort=sort), after=after, limit=limit)
        walked.append(queue.names(r.pk for r in page.rows))
        after = page.next_cursor
        if after is None:
            break
    assert walked == pages


@pytest.mark.parametrize("sort", ["score", "oldest"])
def test_the_page_through_the_view_continues_where_the_first_ended(client, capital, needy, sort):
    staff = caseworker([needy], [capital])
    made = []
    for n in range(27):
        aid_request = open_request(family(capital), needy, capital)
        aid_request.need_score = n % 5  # many ties
        aid_request.submitted_at = NOW - datetime.timedelta(hours=n % 4)
        aid_request.save()
        made.append(aid_request)
    if sort == "score":
        expected = sorted(made, key=lambda r: (-r.need_score, -r.pk))
    else:
        expected = sorted(made, key=lambda r: (r.submitted_at, r.pk))
    client.force_login(staff)
    first = client.get("/charity/queue/", {"sort": sort})
    assert [r["request"].pk for r in first.context["rows"]] == [r.pk for r in expected[:25]]
    cursor = first.context["next_cursor"]
    assert cursor is not None
    assert 'id="queue-more"' in first.content.decode()
    rest = client.get("/charity/queue/", {"sort": sort, "after": cursor})
    assert [r["request"].pk for r in rest.context["rows"]] == [r.pk for r in expected[25:]]
    assert rest.context["next_cursor"] is None


@pytest.mark.parametrize(
    ("sort", "after"),
    [
        ("score", "garbage"),
        ("score", "80|"),
        ("score", "eighty|12"),
        ("score", "80|twelve"),
        ("score", "-5|12"),
        ("score", "2025-05-20T09:00:00+00:00|12"),  # a cursor of the other order
        ("oldest", "garbage"),
        ("oldest", "not-a-date|12"),
        ("oldest", "2025-05-20T09:00:00+00:00|x"),
        ("oldest", "2025-05-20T09:00:00|12"),  # no time zone: refused, not guessed
        ("oldest", "80|12"),  # a cursor of the other order
        ("oldest", "|"),
    ],
)
def test_an_unreadable_cursor_shows_the_first_page(client, queue, sort, after):
    client.force_login(queue.staff)
    expected = BY_SCORE if sort == "score" else OLDEST
    assert shown(client, queue, {"sort": sort, "after": after}) == expected


def test_the_queue_shows_no_name_civil_id_or_phone(client, capital, needy):
    member = civil_id_for(4242)
    applicant = family(capital, [member])
    ApplicantProfile.objects.filter(user=applicant).update(
        name_ar="سارة المطيري", name_en="Sara Al-Mutairi"
    )
    open_request(applicant, needy, capital)
    staff = caseworker([needy], [capital])
    client.force_login(staff)
    pages = [
        client.get("/charity/queue/").content.decode(),
        client.get("/charity/queue/", headers={"HX-Request": "true"}).content.decode(),
    ]
    for page in pages:
        assert 'data-testid="queue-row"' in page
        for secret in ("سارة المطيري", "Sara Al-Mutairi", "فرد 0", applicant.civil_id, member):
            assert secret not in page
        assert applicant.mobile not in page
        assert applicant.mobile.removeprefix("+965") not in page


def test_my_cases_highlights_exactly_the_overdue_claims(client, settings, capital, needy):
    settings.CLAIM_DEADLINE_DAYS = 14
    staff = caseworker([needy], [capital])
    with time_machine.travel(NOW - datetime.timedelta(days=15), tick=False):
        overdue = open_request(family(capital), needy, capital)
        aid_request_claim(aid_request_id=overdue.pk, actor=staff)
    with time_machine.travel(NOW - datetime.timedelta(days=13), tick=False):
        recent = open_request(family(capital), needy, capital)
        aid_request_claim(aid_request_id=recent.pk, actor=staff)
    client.force_login(staff)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/charity/cases/").content.decode()
    rows = {
        int(pk): row
        for row in page.split("<tr")[1:]
        for pk in re.findall(r"/charity/cases/(\d+)/", row)
    }
    assert set(rows) == {overdue.pk, recent.pk}
    assert 'data-testid="overdue"' in rows[overdue.pk]
    assert 'data-testid="overdue"' not in rows[recent.pk]
    assert page.count('data-testid="overdue"') == 1
    # one day later the second one is overdue too
    with time_machine.travel(NOW + datetime.timedelta(days=1, hours=1), tick=False):
        assert client.get("/charity/cases/").content.decode().count('data-testid="overdue"') == 2


def test_the_queue_counts_days_waiting(client, queue):
    client.force_login(queue.staff)
    with time_machine.travel(NOW, tick=False):
        rows = client.get("/charity/queue/").context["rows"]
    waiting = {queue.names([r["request"].pk])[0]: r["days_waiting"] for r in rows}
    assert waiting == {name: days for name, (*_rest, days) in DATA.items()}


def _selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(0))


def test_the_filter_fields_show_each_request_its_own_choices_and_language(client, queue):
    """The filter fields are rendered once per process and reused (issue 19): a page must still
    show the filters it was asked for, in the viewer's language, never the previous page's."""
    client.force_login(queue.staff)
    pages = []
    with time_machine.travel(NOW, tick=False):
        for language, aid_type in (("en", queue.needy), ("en", queue.student), ("ar", queue.needy)):
            client.cookies["django_language"] = language
            response = client.get("/charity/queue/", {"aid_type": aid_type.pk, "min_amount": "x"})
            pages.append(response.content.decode())
    assert [_selected(page, "aid_type") for page in pages] == [
        [str(queue.needy.pk)],
        [str(queue.student.pk)],
        [str(queue.needy.pk)],
    ]
    assert "Enter a number." in pages[1]  # the bad amount's error, shown again from the cache
    assert "Aid type" in pages[0]
    assert "Aid type" not in pages[2]
    assert 'lang="ar"' in pages[2]


def test_the_unfiltered_pages_filter_fields_follow_a_renamed_aid_type(client, queue):
    """The first page's filter fields are kept by the licence's ids and names (no form is made
    for them once kept): a renamed aid type shows its new name on the next page."""
    client.force_login(queue.staff)
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        before = client.get("/charity/queue/").content.decode()
        queue.needy.name_en = "Families in need (renamed)"
        queue.needy.save(update_fields=["name_en"])
        after = client.get("/charity/queue/").content.decode()
    assert "Families in need (renamed)" not in before
    assert f'<option value="{queue.needy.pk}">Families in need (renamed)</option>' in after
    assert _selected(after, "aid_type") == [""]


def test_the_breakdowns_show_each_request_its_own_points_incomes_and_language(
    client, capital, needy
):
    """A row's breakdown is made once per process for what it shows (issue 19): each request
    must still show its own points and, when the agencies were asked, its own incomes, in the
    viewer's language."""
    manager = caseworker([needy], [capital])

    def with_breakdown(**income):
        aid_request = open_request(family(capital), needy, capital)
        aid_request.screening = {
            "breakdown": [
                {"part": "income", "max": 60, "threshold": "250.000", **income},
                {"part": "dependants", "max": 20, "value": 2, "points": 10},
            ]
        }
        aid_request.save(update_fields=["screening"])
        return aid_request.pk

    poorer = with_breakdown(value="90.000", points=24)
    richer = with_breakdown(value="150.000", points=24)
    other = with_breakdown(value="50.000", points=40)
    verified = with_breakdown(value="50.000", points=40, declared="600.000", verified="200.000")
    declared = with_breakdown(value="50.000", points=40, declared="610.000", verified="200.000")
    client.force_login(manager)
    html = {}
    for language in ("en", "ar", "en"):
        client.cookies["django_language"] = language
        rows = client.get("/charity/queue/").context["rows"]
        html[language] = {
            row["request"].pk: "".join(
                re.findall(r'<li data-testid="breakdown-.*?</li>', row["html"])
            )
            for row in rows
        }
    english, arabic = html["en"], html["ar"]
    assert english[poorer] == english[richer]  # the per-person income is not shown here
    assert '<span dir="ltr">24/60</span>' in english[poorer]
    assert '<span dir="ltr">40/60</span>' in english[other]
    assert '<span dir="ltr">10/20</span>' in english[other]
    assert "declared_income" not in english[other]
    assert "600.000 KWD a month" in english[verified]
    assert "610.000 KWD a month" in english[declared]
    assert "600.000" not in english[declared]
    assert "Income per person after obligations" in english[poorer]
    assert "Income per person after obligations" not in arabic[poorer]
    assert '<span dir="ltr">24/60</span>' in arabic[poorer]


def test_the_queue_query_names_the_licence_as_ids_and_joins_neither_catalogue(queue):
    """PostgreSQL spent 5 ms (15-20 on a busy machine) planning the queue's query with the
    licence as two joined subqueries and the aid type and governorate joined in; with the
    licence as id lists, 0.2 ms (issue 19). The rows still carry their aid type and governorate,
    read with the licence, without a query each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    licence = licence_of(queue.organisation)
    with CaptureQueriesContext(connection) as queries:
        rows = queue_for(queue.organisation, QueueFilters(), licence=licence).rows
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert "aidrequest" in sql
    for name in ("organisation_aid_types", "organisation_governorates", "aidtype", 'governorate"'):
        assert name not in sql
    with CaptureQueriesContext(connection) as queries:
        shown = [(r.pk, r.aid_type.code, r.aid_type.scope, str(r.governorate)) for r in rows]
    assert len(queries) == 0
    joined = AidRequest.objects.select_related("aid_type", "governorate")
    assert shown == [
        (r.pk, r.aid_type.code, r.aid_type.scope, str(r.governorate))
        for r in (joined.get(pk=queue.ids[name]) for name in BY_SCORE)
    ]


def test_a_licence_changed_between_two_pages_changes_the_next_page(client, queue):
    """The licence is read for each page, never kept: an aid type withdrawn from it leaves the
    queue and the filter's choices on the next page."""
    client.force_login(queue.staff)
    with time_machine.travel(NOW, tick=False):
        before = client.get("/charity/queue/")
        queue.organisation.aid_types.remove(queue.student)
        after = client.get("/charity/queue/")
    assert queue.names(row["request"].pk for row in before.context["rows"]) == BY_SCORE
    assert queue.names(row["request"].pk for row in after.context["rows"]) == ["a", "e", "b"]
    assert _options(after.content.decode(), "aid_type") == ["", str(queue.needy.pk)]


def test_every_value_of_a_row_is_escaped(client, queue):
    """The rows are filled in by hand, not by format_html (issue 19): a name with markup in
    it must still arrive as text."""
    queue.needy.name_en = 'Needy <b>families</b> & "co"'
    queue.needy.save(update_fields=["name_en"])
    queue.capital.name_en = "<i>Capital</i>"
    queue.capital.save(update_fields=["name_en"])
    client.force_login(queue.staff)
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        html = client.get("/charity/queue/").content.decode()
    assert "Needy &lt;b&gt;families&lt;/b&gt; &amp; &quot;co&quot;" in html
    assert "&lt;i&gt;Capital&lt;/i&gt;" in html
    assert "<b>families" not in html
    assert "<i>Capital" not in html


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None
    return re.findall(r'<option value="([^"]*)"', select.group(0))


def test_the_licence_is_one_statement_with_exactly_the_licensed_aid_types_and_governorates(
    queue,
):
    """``licence_of`` reads both lists in one statement (issue 19), and they are the licence's,
    in id order, with what a row shows of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = caseworker([queue.rent], [queue.jahra]).membership.organisation
    with CaptureQueriesContext(connection) as queries:
        licence = licence_of(queue.organisation)
    assert len(queries) == 1
    assert list(licence.aid_types) == sorted([queue.needy.pk, queue.student.pk])
    assert list(licence.governorates) == sorted([queue.capital.pk, queue.hawalli.pk])
    needy = licence.aid_types[queue.needy.pk]
    assert (needy.code, needy.scope, needy.name_en) == (
        queue.needy.code,
        queue.needy.scope,
        queue.needy.name_en,
    )
    assert licence.governorates[queue.hawalli.pk].code == "hawalli"
    assert licence_of(other) == type(licence)(
        aid_types={queue.rent.pk: queue.rent}, governorates={queue.jahra.pk: queue.jahra}
    )


def _reference(queue, filters: QueueFilters) -> list[int]:
    """The queue as the ORM would read it: what the hand-written statement must match."""
    query = AidRequest.objects.filter(
        status=RequestStatus.OPEN,
        covered_until__isnull=True,
        aid_type__in=queue.organisation.aid_types.all(),
        governorate__in=queue.organisation.governorates.all(),
    )
    for name, lookup in (
        ("aid_type", "aid_type_id"),
        ("governorate", "governorate_id"),
        ("min_amount", "amount_requested__gte"),
        ("max_amount", "amount_requested__lte"),
        ("min_score", "need_score__gte"),
    ):
        if getattr(filters, name) is not None:
            query = query.filter(**{lookup: getattr(filters, name)})
    ordering = ("submitted_at", "id") if filters.sort == "oldest" else ("-need_score", "-id")
    return list(query.order_by(*ordering).values_list("pk", flat=True))


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"sort": "oldest"},
        {"min_amount": Decimal("250"), "max_amount": Decimal("700.000")},
        {"min_amount": Decimal("250.5")},
        {"min_score": 60, "sort": "oldest"},
        {"aid_type": "student", "governorate": "capital"},
        {"governorate": "hawalli", "max_amount": Decimal("499.999")},
    ],
    ids=["default", "oldest", "amounts", "fraction", "score-oldest", "type-place", "place-amount"],
)
def test_the_written_statement_reads_what_the_orm_reads_page_by_page(queue, filters):
    """``queue_for`` writes its statement by hand, once per shape of filters (issue 19): every
    filter, both orders and each page after a cursor give the ORM's rows, and a second page of
    the same shape reuses the statement."""
    from charities.queue_sql import queue_sql

    for key in ("aid_type", "governorate"):
        if key in filters:
            filters[key] = getattr(queue, filters[key]).pk
    wanted = QueueFilters(**filters)
    licence = licence_of(queue.organisation)
    seen, after = [], None
    while True:
        page = queue_for(queue.organisation, wanted, after=after, limit=2, licence=licence)
        seen += [row.pk for row in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == _reference(queue, wanted)
    assert len(seen) == len(set(seen))
    before = queue_sql.cache_info()
    queue_for(queue.organisation, wanted, limit=2, licence=licence)
    queue_for(queue.organisation, wanted, after=after, limit=2, licence=licence)
    assert queue_sql.cache_info().misses == before.misses


def test_the_claims_404_check_names_the_licence_as_ids(queue):
    """The claim's first look at the request (404 outside the licence) used the licence as two
    joined subqueries, 5 ms of planning each claim (issue 19); now as id lists."""
    from django.db import connection
    from django.http import Http404
    from django.test.utils import CaptureQueriesContext

    from charities.selectors import get_open_request_for_staff

    with CaptureQueriesContext(connection) as queries:
        found, organisation = get_open_request_for_staff(queue.staff, queue.ids["a"])
    assert (found.pk, organisation) == (queue.ids["a"], queue.organisation)
    assert found.aid_type == queue.needy
    assert found.governorate == queue.capital
    assert all("organisation_" not in q["sql"] for q in queries if "aidrequest" in q["sql"])
    for outside in queue.outside[:2]:  # an aid type, then a governorate, not licensed
        with pytest.raises(Http404):
            get_open_request_for_staff(queue.staff, outside)


@pytest.mark.parametrize(("sort", "compare"), [("score", "<"), ("oldest", ">")])
def test_a_page_after_a_cursor_bounds_the_index_scan_with_a_row_comparison(queue, sort, compare):
    """``(key, id) < (x, y)``, which PostgreSQL uses as a bound of the index scan; the OR form
    it replaced was a filter over every row of the pages before (issue 19)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = queue_for(queue.organisation, QueueFilters(sort=sort), limit=2)
    with CaptureQueriesContext(connection) as queries:
        queue_for(queue.organisation, QueueFilters(sort=sort), after=first.next_cursor, limit=2)
    sql = queries[-1]["sql"]
    key = "need_score" if sort == "score" else "submitted_at"
    assert re.search(rf'\(r\."{key}", r\.id\) {compare} \(', sql)
    assert " OR " not in sql


def test_the_queue_statement_writes_the_open_status_in(queue):
    """A prepared statement's generic plan cannot use the partial indexes on open requests
    when the status is a parameter (issue 19): the statement says ``'open'`` itself."""
    from charities.queue_sql import queue_sql

    queue_for(queue.organisation, QueueFilters())
    statements = [
        queue_sql(shape, "default")
        for shape in [((("aid_type", "IN", 2), ("governorate", "IN", 2)), False, False)]
    ]
    assert all("\"status\" = 'open'" in sql for sql in statements)
    assert all('"status" = %s' not in sql for sql in statements)


def test_each_rows_claim_form_carries_the_pages_working_csrf_token_in_its_language(queue):
    """A row is rendered once per language and process, its CSRF token filled in for each
    page (issue 19): a claim sent from any row of either language's page must pass Django's
    CSRF check, and a row must speak the page's language whichever language came first."""
    from django.test import Client

    claimed = []
    for language, label in (("en", "Claim"), ("ar", "حجز الحالة")):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(queue.staff)
        browser.cookies["django_language"] = language
        with time_machine.travel(NOW, tick=False):
            html = browser.get("/charity/queue/").content.decode()
        forms = re.findall(
            r'<form method="post" action="([^"]+)".*?name="csrfmiddlewaretoken" value="([^"]+)"'
            r".*?>([^<]*)</button>",
            html,
            re.S,
        )
        assert len(forms) == len(BY_SCORE) - len(claimed)
        assert {button.strip() for _, _, button in forms} == {label}
        # The page's one masked token, on every row and in the header's forms.
        assert set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)) == {forms[0][1]}
        action, token, _ = forms[-1]
        with time_machine.travel(NOW, tick=False):
            sent = browser.post(action, {"csrfmiddlewaretoken": token})
        assert sent.status_code == 302
        claimed.append(int(action.strip("/").split("/")[-2]))
    assert AidRequest.objects.filter(pk__in=claimed, status=RequestStatus.CLAIMED).count() == 2
