"""The charity's home, the shared queue (anonymised) and its own cases."""

from __future__ import annotations

from collections import OrderedDict
from html import escape
from typing import Any, cast

from django.db.models import Count
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
from accounts.templatetags.forms import money
from aid_requests.models.requests import age_band
from aid_requests.reasons import breakdown_rows
from charities import selectors
from charities.forms import QueueFilterForm
from charities.views.common import organisation_of


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    held = dict(
        selectors.held_requests(organisation)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    context = {
        "organisation": organisation,
        "open_in_licence": selectors.open_requests_in_licence(organisation).count(),
        "held": held,
        "staff": selectors.staff_of(organisation),
    }
    return render(request, "charities/dashboard.html", context)


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The shared queue, anonymised: no name, civil ID or contact before a claim."""
    organisation = organisation_of(request)
    licence = selectors.licence_of(organisation)
    form: QueueFilterForm | None = None
    filters = selectors.QueueFilters()
    if request.GET:
        form = QueueFilterForm(request.GET, licence=licence)
        filters = form.filters()
    # else the first page, unfiltered: no form is made unless its fields' markup is not kept
    # yet (``_filter_fields``; making one costs about 0.2 ms, issue 19).
    page = selectors.queue_for(
        organisation,
        filters,
        after=request.GET.get("after") or None,
        licence=licence,
    )
    # One masked CSRF token for the whole page, rows and header alike (masking one costs
    # about 50 µs): the rows are made before the page's template is rendered.
    csrf_token = get_token(request)
    rows = _queue_rows(page.rows, csrf_token)
    query = request.GET.copy()
    query.pop("after", None)
    template = "charities/partials/queue_rows.html" if request.htmx else "charities/queue.html"
    return render(
        request,
        template,
        {
            "filter_fields": _filter_fields(licence, form),
            "rows": rows,
            # The rows' markup as one piece: 25 variables fewer for the template to resolve.
            "rows_html": mark_safe("\n".join(row["html"] for row in rows)),  # noqa: S308 - each escaped by _queue_rows
            "next_cursor": page.next_cursor,
            "query": query.urlencode(),
            "organisation": organisation,
            "csrf_token": csrf_token,
        },
    )


#: Rendered filter fields, by what they are rendered from (see ``_filter_fields``).
_FILTER_FIELDS: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
_FILTER_FIELDS_KEPT = 256


def _filter_fields(licence: selectors.Licence, form: QueueFilterForm | None) -> SafeString:
    """The filter form's fields as HTML, rendered once per process for each language, licence
    (its aid types' and governorates' ids and names: the choices) and submitted data, then
    reused (at most ``_FILTER_FIELDS_KEPT``, least recently used dropped first). Their HTML
    depends on nothing else, and Django's form templates cost about a fifth of the page's time
    (issue 19). ``form``: the form of the submitted filters; None for the unfiltered page, whose
    form is made only to render what is not kept yet."""
    data = (
        tuple(
            sorted(
                (name, tuple(cast(QueryDict, form.data).getlist(name)))
                for name in form.data
                if name in QueueFilterForm.base_fields
            )
        )
        if form is not None
        else None
    )
    key = (
        get_language(),
        data,
        tuple((pk, str(aid_type)) for pk, aid_type in licence.aid_types.items()),
        tuple((pk, str(governorate)) for pk, governorate in licence.governorates.items()),
    )
    html = _FILTER_FIELDS.get(key)
    if html is None:
        if form is None:
            form = QueueFilterForm(None, licence=licence)
        html = render_to_string("charities/partials/queue_filter_fields.html", {"form": form})
        _FILTER_FIELDS[key] = html
        if len(_FILTER_FIELDS) > _FILTER_FIELDS_KEPT:
            _FILTER_FIELDS.popitem(last=False)
    else:
        _FILTER_FIELDS.move_to_end(key)
    return html


#: An id no request has, written into the claim address once per page (``_queue_rows``).
_ID_PLACEHOLDER = 987654321987654321


def _queue_rows(requests: list[Any], csrf_token: str) -> list[dict[str, Any]]:
    """Each request with its row's HTML: ``partials/queue_row.html`` rendered once for each
    language (``_row_template``), then filled in for each request, every value escaped
    (below), the page's CSRF token (``csrf_token``) the same on every row. The template engine's
    cost per node, paid for 25 rows of about 40 nodes each, was most of the page's time
    (issue 19)."""
    row = _row_template()
    csrf_token = escape(csrf_token)
    # The claim address of every row from one ``reverse`` (its cost, 25 times, was a tenth of
    # the rows' time): the pattern's only argument is the id, digits in, digits out.
    before, after = reverse("charities:claim", args=[_ID_PLACEHOLDER]).split(str(_ID_PLACEHOLDER))
    now = timezone.now()
    today = timezone.localdate(now)
    before, after = escape(before), escape(after)
    # Each value escaped as format_html(row, **values) would, by hand (format_html's lazy-string
    # wrappers around 250 values were a fifth of the rows' time); the words of an aid type, a
    # governorate and a beneficiary once per page (a page has a few of each, and hashing a
    # model instance as the key cost more than the escaping), numbers as digits.
    aid_types: dict[int, str] = {}
    governorates: dict[int, str] = {}
    beneficiaries: dict[tuple[Any, ...], str] = {}
    rows = []
    for r in requests:
        aid_type = aid_types.get(r.aid_type_id)
        if aid_type is None:
            aid_type = aid_types[r.aid_type_id] = escape(str(r.aid_type))
        governorate = governorates.get(r.governorate_id)
        if governorate is None:
            governorate = governorates[r.governorate_id] = escape(str(r.governorate))
        # What ``queue_beneficiary`` words depends on these alone.
        whom = (
            r.aid_type_id,
            r.is_for_member,
            getattr(r, "beneficiary_kinship", None),
            age_band(getattr(r, "beneficiary_birth_date", None), today),
        )
        beneficiary = beneficiaries.get(whom)
        if beneficiary is None:
            relation, age = selectors.queue_beneficiary(r, today)
            beneficiary = beneficiaries[whom] = (
                f'{escape(relation)} · <span dir="ltr">{escape(age)}</span>'
                if age
                else escape(relation)
            )
        days_waiting = (now - r.submitted_at).days
        html = row.format(
            aid_type=aid_type,
            beneficiary=beneficiary,
            amount=escape(money(r.amount_requested)),
            governorate=governorate,
            household_size=int(r.household_size),
            need_score=int(r.need_score),
            breakdown=_breakdown_items((r.screening or {}).get("breakdown", [])),
            days_waiting=int(days_waiting),
            claim_url=f"{before}{int(r.pk)}{after}",
            reference=escape(r.reference),
            csrf_token=csrf_token,
        )
        rows.append({"request": r, "days_waiting": days_waiting, "html": mark_safe(html)})  # noqa: S308 - escaped above
    return rows


#: ``partials/queue_row.html`` rendered, by language (``_row_template``).
_ROW_TEMPLATES: dict[str, str] = {}


def _row_template() -> str:
    """A queue row's HTML with its values left as ``{name}`` fields, the CSRF token's too:
    the same for every page in a language, so rendered once per process for each (with its
    request, as rendered for every page before, it cost a twentieth of the page)."""
    language = get_language()
    row = _ROW_TEMPLATES.get(language)
    if row is None:
        row = _ROW_TEMPLATES[language] = render_to_string(
            "charities/partials/queue_row.html", {"csrf_token": "{csrf_token}"}
        )
    return row


#: The breakdown's HTML, by language and what of the breakdown a row shows (``_breakdown_items``).
_BREAKDOWNS: OrderedDict[tuple[Any, ...], SafeString] = OrderedDict()
_BREAKDOWNS_KEPT = 4096
#: What a row shows of each part of a breakdown (``_breakdown_items``).
_SHOWN = ("part", "points", "max", "declared", "verified")


def _breakdown_items(breakdown: list[dict[str, Any]]) -> SafeString:
    """The ``<li>`` of a row's need-score breakdown, kept once made (at most
    ``_BREAKDOWNS_KEPT``, least recently used dropped first): a row shows of each part its
    name, its points and maximum, and, when the state agencies were asked, the declared and
    verified income; most requests share one of a few hundred combinations, while the
    per-person income and threshold that make each breakdown different are not shown here."""
    key = (get_language(), tuple(tuple(map(part.get, _SHOWN)) for part in breakdown))
    html = _BREAKDOWNS.get(key)
    if html is None:
        html = _BREAKDOWNS[key] = _breakdown_html(breakdown)
        if len(_BREAKDOWNS) > _BREAKDOWNS_KEPT:
            _BREAKDOWNS.popitem(last=False)
    else:
        _BREAKDOWNS.move_to_end(key)
    return html


def _breakdown_html(breakdown: list[dict[str, Any]]) -> SafeString:
    """Each part's text, its points out of its maximum (``breakdown_rows`` words them). Joined
    by hand, each value through the standard library's ``escape`` (what Django's calls, without
    its lazy-string wrapper): ``format_html`` for each of 25 rows × 4–6 parts cost as much as
    the rest of the row."""
    items = []
    for part in breakdown_rows(breakdown):
        if part["info"]:
            value = escape(str(part["detail"]))
        else:
            value = (
                f'<span dir="ltr">{escape(str(part["points"]))}/{escape(str(part["max"]))}</span>'
            )
        items.append(
            f'<li data-testid="breakdown-{escape(str(part["part"]))}">'
            f"{escape(str(part['label']))}: {value}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped above


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def my_cases(request: AuthenticatedHttpRequest) -> HttpResponse:
    from django.conf import settings

    organisation = organisation_of(request)
    now = timezone.now()
    cases = [
        {
            "request": c,
            "overdue": c.is_claim_overdue(settings.CLAIM_DEADLINE_DAYS, now),
            "deadline": c.claim_deadline(settings.CLAIM_DEADLINE_DAYS),
        }
        for c in selectors.cases_of(organisation)
    ]
    return render(request, "charities/my_cases.html", {"cases": cases})
