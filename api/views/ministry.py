"""The ministry's endpoints: the statistics, and the exports.

Each does what the ministry's page does (``reports.views``): the statistics through the same
selector (``reports.selectors.statistics``) with the page's filters, an export through the same
export-job service, its file only to the client that asked for it. Only a client of the
ministry holds their scopes (``api.models.MINISTRY_SCOPES``); its account is a ministry
official, and the capability is asked too, as the pages ask it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Capability, can
from api.idempotency import idempotent
from api.models import Scope
from api.openapi import GET_HEADERS, POST_HEADERS, problems
from api.problems import problem
from api.serializers import ExportBody, ExportJobSerializer, StatisticsSerializer
from api.views.base import ApiView, body, form_data
from config.replica import replica_reads
from reports import exports
from reports.downloads import export_job_response
from reports.events import MONEY_FIGURES
from reports.forms import ExportForm, PeriodForm
from reports.models import ExportJob, ExportStatus
from reports.selectors.exports import export_job_for_user
from reports.selectors.statistics import Breakdown
from reports.selectors.statistics import statistics as statistics_of
from reports.services.exports import export_file, export_job_create
from reports.tasks import rollups_current

PERIOD_FILTERS = [
    OpenApiParameter("start", str, description="The first month, YYYY-MM (default: January)."),
    OpenApiParameter(
        "end", str, description="The last month, included, YYYY-MM (default: December)."
    ),
    OpenApiParameter("aid_type", int, description="An aid type's id (default: all)."),
]
MINISTRY_PROBLEMS = problems(400, 401, 403, 404, 409, 422, 429)


class MinistryView(ApiView):
    """A ministry endpoint: the client's scope, and its account's capability, as on the pages."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not can(request.user, Capability.VIEW_STATISTICS):
            raise PermissionDenied  # pragma: no cover - only the ministry's client has the scope


def _figures(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        name: f"{value:.3f}" if name in MONEY_FIGURES else value for name, value in figures.items()
    }


def _rows(breakdown: Breakdown) -> list[dict[str, Any]]:
    return [
        {"id": row.key, "name": row.label, "figures": _figures(row.figures)}
        for row in breakdown.rows
    ]


def _decimal(value: Any, places: int) -> str | None:
    return None if value is None else f"{value:.{places}f}"


class StatisticsView(MinistryView):
    required_scopes = (Scope.STATISTICS,)

    @extend_schema(
        operation_id="statistics_read",
        parameters=[*PERIOD_FILTERS, *GET_HEADERS],
        responses={200: StatisticsSerializer, **problems(400, 401, 403, 429)},
    )
    def get(self, request: Request) -> Response:
        """The figures of the ministry's statistics page for a range of whole months (this
        year by default) and optionally one aid type: the headline, and the figures by aid
        type, governorate, organisation (the 50 that paid most) and month."""
        form = PeriodForm(request.query_params)
        if request.query_params and not form.is_valid():
            raise ValidationError({f: list(e) for f, e in form.errors.items()})
        rollups_current()
        with replica_reads():
            stats = statistics_of(form.period())
        period, headline = stats.period, stats.headline
        money = {"amount_paid", "blocked_amount"}
        medians = {"median_days_to_claim", "median_days_to_payment"}
        data = {
            "period": {
                "start": f"{period.start:%Y-%m}",
                "end": f"{period.end:%Y-%m}",
                "aid_type": period.aid_type_id,
            },
            "figures_as_of": stats.state.finished_at if stats.state else None,
            "headline": {
                name: _decimal(value, 3)
                if name in money
                else _decimal(value, 1)
                if name in medians
                else value
                for name, value in vars(headline).items()
            },
            "by_aid_type": _rows(stats.by_aid_type),
            "by_governorate": _rows(stats.by_governorate),
            "by_organisation": _rows(stats.by_organisation),
            "organisations_total": stats.by_organisation.total_rows,
            "by_month": [
                {"month": f"{row.key:%Y-%m}", "name": row.label, "figures": _figures(row.figures)}
                for row in stats.by_month.rows
            ],
        }
        return Response(data)


def _job(job: ExportJob) -> dict[str, Any]:
    done = job.status == ExportStatus.DONE
    return {
        "id": job.pk,
        "kind": job.kind,
        "file_format": job.file_format,
        "parameters": job.parameters,
        "status": job.status,
        "progress": job.progress,
        "row_count": job.row_count,
        "error": job.error,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at and job.finished_at.isoformat(),
        "download": reverse("api:export_download", args=[job.pk]) if done else None,
    }


def _own_job(request: Request, pk: int) -> ExportJob:
    """The client's own job; 404 for another's or an unknown id (as the page answers)."""
    job = export_job_for_user(request.user, pk)
    if job is None:
        raise Http404
    return job


class ExportsView(MinistryView):
    required_scopes = (Scope.EXPORTS,)

    @extend_schema(
        operation_id="export_start",
        parameters=POST_HEADERS,
        request=ExportBody,
        responses={202: ExportJobSerializer, **MINISTRY_PROBLEMS},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        """Start an export of a table of the statistics page (the export form's fields);
        it is prepared in the background: follow `GET /api/v1/exports/{id}/` until `done`,
        then download it."""
        form = ExportForm(body(request))
        data = form_data(form)
        job = export_job_create(
            actor=request.user,
            kind=data["kind"],
            file_format=data["file_format"],
            parameters={**form.parameters(), "language": get_language()},
        )
        response = Response(_job(job), status=202)
        response["Location"] = reverse("api:export", args=[job.pk])
        return response


class ExportView(MinistryView):
    required_scopes = (Scope.EXPORTS,)

    @extend_schema(
        operation_id="export_read",
        parameters=GET_HEADERS,
        responses={200: ExportJobSerializer, **MINISTRY_PROBLEMS},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Where an export this client started stands: queued, running (with its progress),
        done or failed."""
        return Response(_job(_own_job(request, pk)))


class ExportDownloadView(MinistryView):
    required_scopes = (Scope.EXPORTS,)

    @extend_schema(
        operation_id="export_download",
        parameters=GET_HEADERS,
        responses={
            (200, exports.CSV_CONTENT_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY),
            **MINISTRY_PROBLEMS,
        },
    )
    def get(self, request: Request, pk: int) -> Any:
        """The file of a finished export this client started (every download is audited);
        409 `export_not_ready` while it is prepared, `export_failed` when it failed."""
        job = _own_job(request, pk)
        if job.status == ExportStatus.FAILED:
            return problem(409, "export_failed", _("This export failed: start it again."))
        path = export_file(job)
        if path is None:
            if job.status == ExportStatus.DONE:
                raise Http404  # its file is gone
            return problem(
                409, "export_not_ready", _("This export is not ready yet: try again shortly.")
            )
        return export_job_response(request, job, path, request.user)
