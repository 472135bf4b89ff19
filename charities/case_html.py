"""The case page's markup made in Python (issue 19; ``{% case_file %}`` in
charities/templatetags/case_file.py): how values are written, and the actions column."""

from __future__ import annotations

import functools
from typing import Any

from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape as esc
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.templatetags.forms import money

SHORT_DATE = "SHORT_DATE_FORMAT"
SHORT_DATETIME = "SHORT_DATETIME_FORMAT"
CARD = '<section class="card shadow-sm mb-3"><div class="card-body">'
END_CARD = "</div></section>"

#: The page's fixed text, translated in each request's language (lazy: a gettext call inside
#: an f-string is not found by makemessages).
APPROVE = gettext_lazy("Approve")
CLOSE_THE_CASE = gettext_lazy("Close the case")
MESSAGES_TO_THE_APPLICANT = gettext_lazy("Messages to the applicant")
PAYMENTS = gettext_lazy("Payments")
RECORD_A_PAYMENT = gettext_lazy("Record a payment")
RECORD_PAYMENT = gettext_lazy("Record payment")
REJECT = gettext_lazy("Reject")
RELEASE_BACK_TO_THE_QUEUE = gettext_lazy("Release back to the queue")
SEND = gettext_lazy("Send")
TIMELINE = gettext_lazy("Timeline")


@functools.cache
def _choice_labels(field: Any) -> dict[Any, Any]:
    """A field's choices as value → label (labels stay lazy: each page translates its own)."""
    return dict(field.flatchoices)


class Page:
    """The context's values, written as the template engine writes them."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.csrf = self._csrf_input()

    def __getitem__(self, name: str) -> Any:
        return self.context.get(name)

    def v(self, value: Any) -> str:
        """``{{ value }}``."""
        return str(render_value_in_context(value, self.context))

    def choice(self, instance: Any, name: str) -> str:
        """``{{ instance.get_<name>_display }}``: Django's builds a dict of every choice, hashing
        each lazy label (a translation each) on every call; the labels are kept per field."""
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        return self.v(_choice_labels(field).get(value, value))

    def date(self, value: Any, format_name: str) -> str:
        """``{{ value|date:"…" }}``."""
        return self.v(date_filter(template_localtime(value, self.context.use_tz), format_name))

    def _csrf_input(self) -> str:
        token = self.context.get("csrf_token")
        if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker, no secret
            return ""
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(token)}">'

    def form(self, name: str) -> str:
        """``{{ approve_form }}``: the view hands callables that return the form's markup."""
        made = self.context.get(name)
        return self.v(made() if callable(made) else made)


def post_form(page: Page, action: str, body: str, button: str, form_class: str = "") -> str:
    """A form of the actions column: where it posts, the CSRF input, fields and its button."""
    url = esc(reverse(action, args=[page["aid_request"].pk]))
    return (
        f'<form method="post" action="{url}"{form_class}>{page.csrf}{body}\n'
        f"          {button}</form>"
    )


def approve_card(page: Page) -> str:
    if page["aid_request"].status != "claimed" or not page["can_approve"]:
        return ""
    button = f'<button type="submit" class="btn btn-primary">{esc(APPROVE)}</button>'
    form = post_form(page, "charities:approve", page.form("approve_form"), button, " novalidate")
    return (
        f'      {CARD}\n        <h2 class="h5">{esc(APPROVE)}</h2>\n'
        f"        {form}\n      {END_CARD}\n"
    )


def payment_card(page: Page) -> str:
    aid_request = page["aid_request"]
    if aid_request.status not in ("approved", "paying"):
        return ""
    payments = page["payments"]
    recorded = _("%(n)s of %(total)s payments of %(amount)s KWD recorded.") % {
        "n": page.v(len(payments)),
        "total": page.v(aid_request.approved_payments),
        "amount": page.v(money(aid_request.approved_amount)),
    }
    out = [
        f'      {CARD}\n        <h2 class="h5">{esc(RECORD_A_PAYMENT)}</h2>\n'
        f'        <p class="small">{recorded}</p>\n'
    ]
    placement = getattr(aid_request, "placement", None)  # a reverse one-to-one: None when none
    if placement:
        # A paid-volunteering stipend: paid from the confirmed hours on the placement's page.
        url = esc(reverse("volunteering:placement", args=[placement.pk]))
        text = _("Stipends are paid from the confirmed hours on the placement's page.")
        out.append(
            f'        <p class="small" data-testid="stipend-placement"><a href="{url}">'
            f"{esc(text)}</a></p>\n"
        )
    elif page["next_period"]:
        when = _(
            "Payment %(n)s pays the month of coverage from %(start)s; it can be dated from "
            "%(opens)s."
        ) % {
            "n": page.v(page["next_period"]),
            "start": page.date(page["next_period_start"], SHORT_DATE),
            "opens": page.date(page["next_period_opens"], SHORT_DATE),
        }
        button = f'<button type="submit" class="btn btn-primary">{esc(RECORD_PAYMENT)}</button>'
        form = post_form(
            page, "charities:payment", page.form("payment_form"), button, " novalidate"
        )
        out.append(
            f'        <p class="small" data-testid="next-period">{when}</p>\n        {form}\n'
        )
    if payments:
        button = (
            f'<button type="submit" class="btn btn-outline-success">{esc(CLOSE_THE_CASE)}</button>'
        )
        close = post_form(page, "charities:close", "", button, ' class="mt-3"')
        out.append(f"          {close}\n")
    out.append(f"      {END_CARD}\n")
    return "".join(out)


def payments_card(page: Page) -> str:
    payments = page["payments"]
    if not payments:
        return ""
    heads = "".join(
        f'<th scope="col"{css}>{esc(label)}</th>'
        for label, css in (
            (_("Instalment"), ""),
            (_("Paid on"), ""),
            (_("Amount (KWD)"), ' class="text-end"'),
            (_("Method"), ""),
            (_("Reference"), ""),
        )
    )
    rows = []
    for payment in payments:
        reference = (
            f'<bdi dir="ltr">{page.v(payment.reference)}</bdi>' if payment.reference else "—"
        )
        rows.append(
            f"<tr><td>{page.v(payment.period)}</td><td>{page.date(payment.paid_on, SHORT_DATE)}"
            f'</td><td class="text-end"><span dir="ltr">{page.v(money(payment.amount))}</span>'
            f"</td><td>{page.choice(payment, 'method')}</td><td>{reference}</td></tr>"
        )
    return (
        f'      {CARD}\n        <h2 class="h5">{esc(PAYMENTS)}</h2>\n'
        '        <div class="table-responsive"><table class="table table-sm mb-0" '
        'data-testid="payments">\n'
        f"          <thead><tr>{heads}</tr></thead>\n"
        f"          <tbody>{''.join(rows)}</tbody>\n        </table></div>\n      {END_CARD}\n"
    )


def release_or_reject_card(page: Page) -> str:
    may_release, may_reject = page["may_release"], page["may_reject"]
    if not (may_release or may_reject):
        return ""
    title = _("Release or reject") if may_release else _("Reject")
    out = [f'      {CARD}\n        <h2 class="h5">{esc(title)}</h2>\n']
    if may_release:
        button = (
            '<button type="submit" class="btn btn-outline-secondary">'
            f"{esc(RELEASE_BACK_TO_THE_QUEUE)}</button>"
        )
        release = post_form(
            page, "charities:release", page.form("release_form"), button, " novalidate"
        )
        out.append(f"        {release}\n")
    if may_reject:
        button = f'<button type="submit" class="btn btn-outline-danger">{esc(REJECT)}</button>'
        reject = post_form(
            page, "charities:reject", page.form("reject_form"), button, ' class="mt-3" novalidate'
        )
        out.append(f"        {reject}\n")
    out.append(f"      {END_CARD}\n")
    return "".join(out)


def messages_card(page: Page) -> str:
    aid_request = page["aid_request"]
    shown = "".join(
        f'<div class="border-bottom py-2 small"><span class="text-muted">'
        f"{page.v(message.sender.full_name)} · {page.date(message.sent_at, SHORT_DATETIME)}</span>"
        f'<p class="mb-0">{linebreaksbr(message.body, autoescape=True)}</p></div>'
        for message in page["case_messages"]
    )
    form = ""
    if aid_request.status not in ("rejected", "withdrawn"):
        button = f'<button type="submit" class="btn btn-outline-primary">{esc(SEND)}</button>'
        form = post_form(
            page, "charities:message", page.form("message_form"), button, ' class="mt-2" novalidate'
        )
        form = f"      {form}\n"
    return (
        f'    {CARD}\n      <h2 class="h5">{esc(MESSAGES_TO_THE_APPLICANT)}</h2>\n'
        f"      {shown}\n{form}    {END_CARD}\n"
    )


def timeline_card(page: Page) -> str:
    entries = "".join(
        f'<li class="mb-2"><strong>{page.choice(entry, "to_status")}</strong> '
        f'<span class="small text-muted d-block">{page.date(entry.at, SHORT_DATETIME)}</span>'
        + (f'<span class="small d-block">{page.v(entry.note)}</span>' if entry.note else "")
        + "</li>"
        for entry in page["timeline"]
    )
    return (
        '    <section class="card shadow-sm"><div class="card-body">\n'
        f'      <h2 class="h5">{esc(TIMELINE)}</h2>\n'
        f'      <ol class="timeline list-unstyled mb-0">{entries}</ol>\n    {END_CARD}\n'
    )
