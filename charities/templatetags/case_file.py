"""The case page's file (``charities/case_detail.html``), made in Python.

Issue 19: the page's ~160 template nodes (115 of them translations) were a third of what a
case page cost through HTTP, and the case page stayed under its target of 30% of the home
page's rate. ``{% case_file %}`` writes the markup the template wrote, from the view's context,
with the template engine's own rules: every value through ``render_value_in_context`` (local
time, localised numbers, escaped), ``{% translate %}`` text escaped, ``{% blocktranslate %}``
text as translated with its values escaped, dates through the ``date`` filter.
Every case page the test suite renders is also rendered through the template it replaced, and
the two must agree (tests/charities/case_file_check.py).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape as esc
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.templatetags.forms import money
from charities.case_html import (
    CARD,
    END_CARD,
    SHORT_DATE,
    Page,
    approve_card,
    messages_card,
    payment_card,
    payments_card,
    release_or_reject_card,
    timeline_card,
)

register = template.Library()

#: The page's fixed text, translated in each request's language (lazy: a gettext call inside
#: an f-string is not found by makemessages).
APPLICANT = gettext_lazy("Applicant")
DISABILITY = gettext_lazy("disability")
DOCUMENTS = gettext_lazy("Documents")
HOUSEHOLD = gettext_lazy("Household")
MEMBER_NO_LONGER_LISTED = gettext_lazy("Household member (no longer listed)")
INCOME = gettext_lazy("Income")
INCOME_AT_SCREENING = gettext_lazy("Income at screening")
KWD = gettext_lazy("KWD")
MONEY_EACH_MONTH = gettext_lazy("Money each month")
NEED_SCORE = gettext_lazy("Need score")
NO_DOCUMENT_ATTACHED = gettext_lazy("No document attached.")
OBLIGATIONS = gettext_lazy("Obligations")
PART = gettext_lazy("Part")
PERSONAL_DATA_NOTICE = gettext_lazy("Personal data: every opening of this page is recorded.")
PER_PERSON = gettext_lazy("Per person after obligations:")
PER_PERSON_AS_DECLARED = gettext_lazy("Per person after obligations, as declared:")
POINTS = gettext_lazy("Points")
PRINT = gettext_lazy("Print")
SITUATION = gettext_lazy("Situation")
THE_APPLICANT = gettext_lazy("The applicant")


@register.simple_tag(takes_context=True)
def case_file(context: Context) -> SafeString:
    """The content of the case page: notices, then the file (left) and the actions (right)."""
    page = Page(context)
    parts = [
        _heading(page),
        '<div class="row g-4">\n  <div class="col-lg-7">\n',
        _applicant(page),
        _household(page),
        _money(page),
        _screening_income(page),
        _documents(page),
        '  </div>\n  <div class="col-lg-5">\n',
        approve_card(page),
        payment_card(page),
        payments_card(page),
        release_or_reject_card(page),
        messages_card(page),
        timeline_card(page),
        "  </div>\n</div>\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped where it is written


def _heading(page: Page) -> str:
    aid_request = page["aid_request"]
    out = [
        '<div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2">\n'
        f'  <h1 class="h3 mb-0">{page.v(aid_request.aid_type)} <small class="text-muted" '
        f'dir="ltr">{page.v(aid_request.reference)}</small></h1>\n'
        f'  <span class="badge fs-6 status status-{page.v(aid_request.status)}" '
        f'data-testid="status">{page.choice(aid_request, "status")}</span>\n'
        '  <button type="button" class="btn btn-sm btn-outline-secondary ms-auto d-print-none" '
        f"data-print>{esc(PRINT)}</button>\n</div>\n"
        '<p class="small text-muted">'
        f"{esc(PERSONAL_DATA_NOTICE)}</p>\n"
    ]
    if page["read_only"]:
        notice = _(
            "Your organisation rejected this case: you can read it, but not act on it. If the "
            "applicant appeals, the file closes to you."
        )
        out.append(f'<p class="alert alert-secondary" data-testid="read-only">{esc(notice)}</p>')
    out.append("\n")
    for conflict in page["coverage_conflicts"] or ():
        held_back = conflict.aid_request_id == aid_request.pk
        values = {"civil_id": page.v(conflict.civil_id[-4:])}
        if held_back and conflict.is_state:
            text = _(
                "The person with civil ID ending %(civil_id)s receives a state benefit that "
                "excludes this aid over part of this case's period. No payment can be recorded "
                "on this case until the ministry resolves the conflict."
            )
        elif held_back:
            text = _(
                "The person with civil ID ending %(civil_id)s joined this household but already "
                "holds this aid through another case. No payment can be recorded on this case "
                "until the ministry resolves the conflict."
            )
        else:
            text = _(
                "The person with civil ID ending %(civil_id)s, covered by this case, was listed "
                "in another household that holds the same aid. The ministry will decide; "
                "payments on this case go on."
            )
        side = "held-back" if held_back else "covering"
        out.append(
            f'<p class="alert alert-warning" data-testid="coverage-conflict" data-side="{side}">'
            f"{text % values}</p>"
        )
    out.append("\n")
    return "".join(out)


def _row(term: str, value: str, attributes: str = "") -> str:
    """One ``<dt>``/``<dd>`` pair of the applicant's card."""
    return (
        f'        <dt class="col-sm-4">{term}</dt><dd class="col-sm-8"{attributes}>{value}</dd>\n'
    )


def _applicant(page: Page) -> str:
    aid_request, applicant, profile = page["aid_request"], page["applicant"], page["profile"]
    name = page.v((profile.name_ar if profile else None) or applicant.full_name)
    shown = f"<bdi>{name}</bdi>"
    if profile and profile.name_en:
        shown += f' · <span lang="en">{page.v(profile.name_en)}</span>'
    out = [
        f'    {CARD}\n      <h2 class="h5">{esc(APPLICANT)}</h2>\n      <dl class="row mb-0">\n',
        _row(esc(_("Name")), shown, ' data-testid="applicant-name"'),
        _row(esc(_("Civil ID")), f'<bdi dir="ltr">{page.v(applicant.civil_id)}</bdi>'),
    ]
    if page["protected"]:
        hidden = _("Protected applicant: contact details are hidden. Contact through the ministry.")
        out.append(_row(esc(_("Contact")), esc(hidden)))
    else:
        out.append(_row(esc(_("Mobile")), f'<bdi dir="ltr">{page.v(applicant.mobile)}</bdi>'))
        if profile:
            address = page.v(profile.governorate or "")
            if profile.area:
                address += f" · <bdi>{page.v(profile.area)}</bdi>"
            if profile.address:
                address += f" · <bdi>{page.v(profile.address)}</bdi>"
            out.append(_row(esc(_("Address")), address))
    if aid_request.is_for_member:
        member = aid_request.beneficiary_member
        if member:
            beneficiary = f"<bdi>{page.v(member.name)}</bdi> · {page.choice(member, 'kinship')}"
        else:
            beneficiary = f"<bdi>{esc(MEMBER_NO_LONGER_LISTED)}</bdi>"
        beneficiary += f' · <bdi dir="ltr">{page.v(aid_request.beneficiary_civil_id)}</bdi>'
    elif aid_request.aid_type.scope == "household":
        beneficiary = esc(_("The whole household"))
    else:
        beneficiary = esc(_("The applicant"))
    out.append(_row(esc(_("Beneficiary")), beneficiary, ' data-testid="beneficiary"'))
    kwd = esc(_("KWD"))
    out += [
        _row(
            esc(_("Amount requested")),
            f'<span dir="ltr">{page.v(money(aid_request.amount_requested))}</span> {kwd}',
        ),
        _row(
            esc(_("Coverage")),
            f"{page.date(aid_request.coverage_start, SHORT_DATE)} – "
            f"{page.date(aid_request.coverage_end, SHORT_DATE)}",
        ),
        _row(
            esc(_("Justification")),
            f"<bdi>{linebreaksbr(aid_request.justification, autoescape=True)}</bdi>",
        ),
        f"      </dl>\n    {END_CARD}\n",
    ]
    return "".join(out)


def _household(page: Page) -> str:
    applicant, profile = page["applicant"], page["profile"]
    name = page.v((profile.name_ar if profile else None) or applicant.full_name)
    heads = "".join(
        f'<th scope="col">{esc(label)}</th>'
        for label in (_("Name"), _("Kinship"), _("Civil ID"), _("Notes"))
    )
    rows = [
        f'<tr data-testid="household-applicant"><td><bdi>{name}</bdi></td>'
        f'<td>{esc(THE_APPLICANT)}</td><td dir="ltr">{page.v(applicant.civil_id)}</td>'
        "<td></td></tr>"
    ]
    for member in page["members"]:
        notes = ""
        if member.has_disability:
            notes += f"{esc(DISABILITY)} "
        if member.is_student:
            notes += esc(_("student"))
        rows.append(
            f"<tr><td>{page.v(member.name)}</td><td>{page.choice(member, 'kinship')}</td>"
            f'<td dir="ltr">{page.v(member.civil_id)}</td><td class="small">{notes}</td></tr>'
        )
    return (
        f'    {CARD}\n      <h2 class="h5">{esc(HOUSEHOLD)} '
        f"({page.v(page['finances'].household_size)})</h2>\n"
        f'      <table class="table table-sm mb-0"><thead><tr>{heads}</tr></thead>\n'
        f"      <tbody>{''.join(rows)}</tbody></table>\n    {END_CARD}\n"
    )


def _amounts(page: Page, items: Any) -> str:
    """The income or obligation list: each kind and amount, a dash when there is none."""
    lines = "".join(
        f'<li>{page.choice(item, "kind")}: <span dir="ltr">{page.v(money(item.amount))}</span></li>'
        for item in items
    )
    return lines or "<li>—</li>"


def _money(page: Page) -> str:
    aid_request, finances = page["aid_request"], page["finances"]
    kwd = esc(_("KWD"))
    per_capita = page.v(money(finances.per_capita))
    if aid_request.verified_income is None:
        summary = (
            f'      <p class="mb-0">{esc(PER_PERSON)} '
            f'<strong dir="ltr">{per_capita}</strong> {kwd} · {esc(NEED_SCORE)} '
            f'<span class="badge text-bg-primary">{page.v(aid_request.need_score)}</span></p>\n'
        )
    else:  # the score and the income it counted: "Income at screening"
        summary = (
            f'      <p class="mb-0">{esc(PER_PERSON_AS_DECLARED)} '
            f'<strong dir="ltr">{per_capita}</strong> {kwd}</p>\n'
        )
    return (
        f'    {CARD}\n      <h2 class="h5">{esc(MONEY_EACH_MONTH)}</h2>\n'
        '      <div class="row">\n'
        f'        <div class="col-md-6"><h3 class="h6">{esc(INCOME)}</h3>'
        f'<ul class="list-unstyled small">{_amounts(page, page["incomes"])}</ul></div>\n'
        f'        <div class="col-md-6"><h3 class="h6">{esc(OBLIGATIONS)}</h3>'
        f'<ul class="list-unstyled small">{_amounts(page, page["obligations"])}</ul></div>\n'
        f"      </div>\n{summary}    {END_CARD}\n"
    )


def _figure(page: Page, term: str, amount: Any, testid: str, term_class: str = "") -> str:
    """One amount of the "Income at screening" card."""
    return (
        f'        <dt class="col-sm-7{term_class}">{esc(term)}</dt>'
        f'<dd class="col-sm-5" data-testid="{testid}"><span dir="ltr">'
        f"{page.v(money(amount))}</span> {esc(KWD)}</dd>\n"
    )


def _screening_income(page: Page) -> str:
    aid_request = page["aid_request"]
    if aid_request.verified_income is None:
        return ""
    income = page["screening_income"]
    out = [
        f'    <section class="card shadow-sm mb-3" data-testid="screening-income">'
        f'<div class="card-body">\n      <h2 class="h5">{esc(INCOME_AT_SCREENING)}</h2>\n'
    ]
    if aid_request.income_below_verified:
        flag = _(
            "The state benefits declared are lower than those verified with the state agencies."
        )
        out.append(
            '      <p class="alert alert-warning" role="alert" data-testid="income-flag">'
            f"<strong>{esc(flag)}</strong></p>\n"
        )
    out.append('      <dl class="row mb-2">\n')
    out.append(_figure(page, _("Declared income"), aid_request.declared_income, "declared-income"))
    if income:
        out.append(
            _figure(
                page,
                _("of which declared as state benefits"),
                income.get("declared_state"),
                "declared-state-income",
                " fw-normal ps-4",
            )
        )
    out.append(
        _figure(
            page,
            _("Income verified with the state agencies"),
            aid_request.verified_income,
            "verified-income",
        )
    )
    if income:
        out.append(
            _figure(
                page, _("Income counted in the need score"), income.get("counted"), "counted-income"
            )
        )
    out.append("      </dl>\n")
    if page["verified_from"]:
        out.append(
            '      <p class="small text-muted" data-testid="verified-from">'
            f"{page.v(page['verified_from'])}</p>\n"
        )
    breakdown = page["breakdown"]
    if breakdown:
        heads = (
            f'<th scope="col">{esc(PART)}</th><th scope="col">{esc(SITUATION)}</th>'
            f'<th scope="col" class="text-end">{esc(POINTS)}</th>'
        )
        rows = []
        for row in breakdown:  # dicts (``aid_requests.reasons.breakdown_rows``)
            points = (
                ""
                if row.get("info")
                else f'<span dir="ltr">{page.v(row.get("points", ""))} / '
                f"{page.v(row.get('max', ''))}</span>"
            )
            rows.append(
                f'<tr data-testid="breakdown-{page.v(row.get("part", ""))}">'
                f"<td>{page.v(row.get('label', ''))}</td>"
                f"<td>{page.v(row.get('detail', ''))}</td>"
                f'<td class="text-end text-nowrap">{points}</td></tr>'
            )
        out.append(
            f'      <h3 class="h6">{esc(NEED_SCORE)} <span class="badge text-bg-primary" '
            f'dir="ltr">{page.v(aid_request.need_score)} / 100</span></h3>\n'
            '      <table class="table table-sm mb-0">\n'
            f"        <thead><tr>{heads}</tr></thead>\n"
            f"        <tbody>{''.join(rows)}</tbody>\n      </table>\n"
        )
    out.append(f"    {END_CARD}\n")
    return "".join(out)


def _documents(page: Page) -> str:
    items = "".join(
        f'<li><a href="{esc(reverse("applicants:document_download", args=[document.pk]))}">'
        f"{page.choice(document, 'kind')}</a> "
        f'<span class="small text-muted">{page.v(document.original_name)}</span></li>'
        for document in page["documents"]
    )
    return (
        f'    {CARD}\n      <h2 class="h5">{esc(DOCUMENTS)}</h2>\n'
        f'      <ul class="mb-0">{items or "<li>" + esc(NO_DOCUMENT_ATTACHED) + "</li>"}'
        f"</ul>\n    {END_CARD}\n"
    )
