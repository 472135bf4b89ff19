"""The charity's home, the shared queue (anonymised) and its own cases."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, require_capability
from aid_requests.reasons import breakdown_rows
from charities import selectors
from charities.forms import QueueFilterForm


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = selectors.organisation_for_staff(request.user)  # type: ignore[arg-type]
    held = dict(
        selectors.held_requests(organisation)  # type: ignore[arg-type]
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    context = {
        "organisation": organisation,
        "open_in_licence": selectors.open_requests_in_licence(organisation).count(),  # type: ignore[arg-type]
        "held": held,
        "staff": selectors.staff_of(organisation),  # type: ignore[arg-type]
    }
    return render(request, "charities/dashboard.html", context)


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    """The shared queue, anonymised: no name, civil ID or contact before a claim."""
    organisation = selectors.organisation_for_staff(request.user)  # type: ignore[arg-type]
    form = QueueFilterForm(request.GET or None, organisation=organisation)  # type: ignore[arg-type]
    page = selectors.queue_for(
        organisation,
        form.filters(),
        after=request.GET.get("after") or None,  # type: ignore[arg-type]
    )
    now = timezone.now()
    today = timezone.localdate(now)
    rows = [
        {
            "request": r,
            "beneficiary": selectors.queue_beneficiary(r, today),
            "days_waiting": (now - r.submitted_at).days,
            "breakdown": breakdown_rows((r.screening or {}).get("breakdown", [])),
        }
        for r in page.rows
    ]
    query = request.GET.copy()
    query.pop("after", None)
    template = (
        "charities/partials/queue_rows.html"
        if request.htmx  # type: ignore[attr-defined]
        else "charities/queue.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "rows": rows,
            "next_cursor": page.next_cursor,
            "query": query.urlencode(),
            "organisation": organisation,
        },
    )


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def my_cases(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    organisation = selectors.organisation_for_staff(request.user)  # type: ignore[arg-type]
    now = timezone.now()
    cases = [
        {
            "request": c,
            "overdue": c.is_claim_overdue(settings.CLAIM_DEADLINE_DAYS, now),
            "deadline": c.claim_deadline(settings.CLAIM_DEADLINE_DAYS),
        }
        for c in selectors.cases_of(organisation)  # type: ignore[arg-type]
    ]
    return render(request, "charities/my_cases.html", {"cases": cases})
