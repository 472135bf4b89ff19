"""GET /api/v1/queue/: the shared queue, anonymised, as the queue page shows it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import Scope
from api.openapi import ACCEPT_LANGUAGE, problems
from api.serializers import QueuePageSerializer
from api.views.base import ApiView
from charities import selectors
from charities.forms import QueueFilterForm

FILTERS = [
    OpenApiParameter("aid_type", int, description="An aid type's id (of the licence)."),
    OpenApiParameter("governorate", int, description="A governorate's id (of the licence)."),
    OpenApiParameter("min_amount", str, description="Amount from (KWD)."),
    OpenApiParameter("max_amount", str, description="Amount up to (KWD)."),
    OpenApiParameter("min_score", int, description="Minimum need score (0-100)."),
    OpenApiParameter("sort", str, enum=["score", "oldest"], description="Order of the rows."),
    OpenApiParameter("cursor", str, description="`next_cursor` of the page before."),
]


def _named(obj: Any) -> dict[str, Any]:
    return {"id": obj.pk, "code": obj.code, "name": str(obj)}


class QueueView(ApiView):
    required_scopes = (Scope.READ_QUEUE,)

    @extend_schema(
        operation_id="queue_list",
        parameters=[*FILTERS, ACCEPT_LANGUAGE],
        responses={200: QueuePageSerializer, **problems(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        """Open requests this organisation's licence covers, highest need first (or oldest
        first), 25 a page, without name, civil ID or contact; keyset pages by `cursor`."""
        organisation = selectors.organisation_for_staff(request.user)
        if organisation is None:
            raise PermissionDenied  # its organisation is no longer active
        params = request.query_params.copy()
        cursor = params.pop("cursor", [None])[-1]
        licence = selectors.licence_of(organisation)
        form = QueueFilterForm(params, licence=licence)
        if params and not form.is_valid():
            raise ValidationError({f: list(e) for f, e in form.errors.items()})
        page = selectors.queue_for(
            organisation, form.filters(), after=cursor or None, licence=licence
        )
        now = timezone.now()
        today = timezone.localdate(now)
        rows = []
        for r in page.rows:
            relation, band = selectors.queue_beneficiary(r, today)
            rows.append(
                {
                    "id": r.pk,
                    "aid_type": _named(r.aid_type),
                    "governorate": _named(r.governorate),
                    "amount_requested": f"{r.amount_requested:.3f}",
                    "household_size": r.household_size,
                    "need_score": r.need_score,
                    "beneficiary": relation,
                    "age_band": band,
                    "days_waiting": (now - r.submitted_at).days,
                    "submitted_at": r.submitted_at.isoformat(),
                }
            )
        return Response({"results": rows, "next_cursor": page.next_cursor})
