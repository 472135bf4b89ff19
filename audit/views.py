from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability, require_personal_data
from audit import selectors
from audit.forms import TrailFilterForm
from audit.labels import action_label, object_label, object_names
from audit.models import AuditEntry
from charities.selectors import organisation_names

#: Where the trail's filters are kept: the session, under an opaque random key that is all the
#: URL carries (a civil ID or an e-mail typed as a filter never reaches an address bar, a
#: browser history or an access log).
SESSION_FILTERS = "audit_trail_filters"
#: How many filters one session keeps (the oldest is forgotten first).
KEPT_FILTERS = 20


def _remember(request: HttpRequest, data: dict[str, str]) -> str:
    kept: dict[str, dict[str, str]] = dict(request.session.get(SESSION_FILTERS, {}))
    key = secrets.token_urlsafe(12)
    kept[key] = data
    request.session[SESSION_FILTERS] = dict(list(kept.items())[-KEPT_FILTERS:])
    return key


def _remembered(request: HttpRequest, key: str) -> dict[str, str] | None:
    found = request.session.get(SESSION_FILTERS, {}).get(key)
    return dict(found) if isinstance(found, dict) else None


@require_http_methods(["GET", "POST"])
@require_capability(Capability.VIEW_STATISTICS)
@require_personal_data
def trail(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The audit trail, newest first, filtered, one keyset page at a time (``?before=<id>``).

    The filter form is sent by POST; a valid one is kept in the session and the page is
    reloaded as ``?f=<key>`` (so paging, reloading and the back button work without the filter
    values in any URL). Filter values in the query string (the former GET form) are refused.
    """
    organisations = organisation_names()
    actions = selectors.trail_actions()
    names = list(TrailFilterForm.base_fields)
    notice = ""
    key = ""
    if request.method == "POST":
        data = {name: request.POST.get(name, "").strip() for name in names}
        data = {name: value for name, value in data.items() if value}
        form = TrailFilterForm(data, organisations=organisations, actions=actions)
        if form.is_valid():
            if not data:
                return redirect("audit:trail")
            return redirect(f"{reverse('audit:trail')}?f={_remember(request, data)}")
        before = None
    elif any(name in request.GET for name in names):
        # Refused, and dropped by a redirect so that no link of the page repeats the values
        # (they may be a civil ID, which belongs in no URL).
        messages.warning(
            request, _("Filters are no longer taken from the address: use the form below.")
        )
        return redirect("audit:trail")
    else:
        before = _positive_int(request.GET.get("before", ""))
        key = request.GET.get("f", "")
        data_kept = _remembered(request, key) if key else None
        if key and data_kept is None:
            notice = _("This filter has expired: choose it again.")
            key = ""
        form = TrailFilterForm(data_kept, organisations=organisations, actions=actions)
    # No rows with a notice or an invalid form: never the whole trail in place of a filter.
    filters = None if notice else form.filters()
    page = (
        selectors.trail_for(request.user, filters, before=before)
        if filters is not None
        else selectors.TrailPage(rows=[], next_before=None)
    )
    template = "audit/partials/trail_rows.html" if request.htmx else "audit/trail.html"
    context: dict[str, Any] = {
        "form": form,
        "rows": _shown(page.rows, organisations),
        "next_before": page.next_before,
        "query": f"f={key}" if key else "",
        "paged": before is not None,
        "notice": notice,
    }
    return render(request, template, context)


def _shown(entries: list[AuditEntry], organisations: dict[int, str]) -> list[dict[str, Any]]:
    """Each entry with what people read in place of its codes (``audit.labels``)."""
    applicants = selectors.masked_applicants(
        {e.applicant_id for e in entries if e.applicant_id}
        | {e.actor_id for e in entries if e.actor_id and e.actor and e.actor.is_applicant}
    )
    names = object_names((e.object_type, e.object_id) for e in entries)
    return [
        {
            "entry": e,
            "organisation": organisations.get(e.organisation_id or 0),
            "action": action_label(e.action),
            "object": object_label(e.object_type, e.object_id, names),
            "applicant": applicants.get(e.applicant_id or 0, "—") if e.applicant_id else "—",
            "actor_applicant": applicants.get(e.actor_id or 0, "…"),
        }
        for e in entries
    ]


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
@require_personal_data
def entry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One entry with its details (reasons of licensing moves and appeal decisions, what
    changed), secrets hidden (``audit.selectors.visible_data``)."""
    found = selectors.entry_for(request.user, pk)
    if found is None:
        raise Http404
    context = {
        "entry": found,
        "lines": selectors.visible_data(found.data),
        "row": _shown([found], organisation_names())[0],
    }
    return render(request, "audit/entry.html", context)


def _positive_int(value: str) -> int | None:
    """A cursor from the query string; anything else (or out of bigint range) is ignored."""
    if value.isascii() and value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    return None
