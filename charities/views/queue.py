"""The charity's home, the shared queue (anonymised) and its own cases."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
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
    form = QueueFilterForm(request.GET or None, organisation=organisation)
    page = selectors.queue_for(
        organisation,
        form.filters(),
        after=request.GET.get("after") or None,
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
    template = "charities/partials/queue_rows.html" if request.htmx else "charities/queue.html"
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
