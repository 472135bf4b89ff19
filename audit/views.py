from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, require_capability, require_personal_data
from audit import selectors
from audit.forms import TrailFilterForm


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
@require_personal_data
def trail(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first, filtered, one keyset page at a time (``?before=<id>``)."""
    organisations = selectors.organisation_names()
    filter_data = request.GET.copy()
    before = _positive_int(filter_data.pop("before", [""])[-1])
    form = TrailFilterForm(
        filter_data or None, organisations=organisations, actions=selectors.trail_actions()
    )
    filters = form.filters()
    page = (
        selectors.trail_for(request.user, filters, before=before)  # type: ignore[arg-type]
        if filters is not None
        else selectors.TrailPage(rows=[], next_before=None)
    )
    template = (
        "audit/partials/trail_rows.html"
        if request.htmx  # type: ignore[attr-defined]
        else "audit/trail.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "rows": [
                {"entry": entry, "organisation": organisations.get(entry.organisation_id or 0)}
                for entry in page.rows
            ],
            "next_before": page.next_before,
            "query": filter_data.urlencode(),
            "paged": before is not None,
        },
    )


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
@require_personal_data
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry with its details (reasons of licensing moves and appeal decisions, what
    changed), secrets hidden (``audit.selectors.visible_data``)."""
    found = selectors.entry_for(request.user, pk)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    organisations = selectors.organisation_names()
    context = {
        "entry": found,
        "lines": selectors.visible_data(found.data),
        "organisation": organisations.get(found.organisation_id or 0),
    }
    return render(request, "audit/entry.html", context)


def _positive_int(value: str) -> int | None:
    """A cursor from the query string; anything else (or out of bigint range) is ignored."""
    if value.isascii() and value.isdigit() and len(value) <= 18 and int(value) > 0:
        return int(value)
    return None
