"""Ministry pages: the overview, statistics with charts, drill-down lists, exports."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import Capability, require_capability
from audit.services import client_ip
from charities.models import Organisation
from reports import exports, selectors, services
from reports.forms import ExportForm, PeriodForm, RequestFilterForm
from reports.models import ExportFormat, ExportKind
from reports.selectors import Breakdown, ministry_overview

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/overview.html", {"overview": ministry_overview()})


def _chart(
    breakdown: Breakdown, *, figures: list[tuple[str, str]], kind: str, horizontal: bool = False
) -> dict[str, Any]:
    """What static/js/charts.js draws (handed over with json_script, never inline script)."""
    rows = breakdown.rows[:20] if horizontal else breakdown.rows
    return {
        "type": kind,
        "horizontal": horizontal,
        "labels": [row.label for row in rows],
        "datasets": [
            {
                "label": label,
                "money": name in selectors.MONEY_FIGURES,
                "data": [
                    float(row.figures[name])
                    if name in selectors.MONEY_FIGURES
                    else row.figures[name]
                    for row in rows
                ],
            }
            for name, label in figures
        ],
    }


def _with_default_range(request: HttpRequest) -> QueryDict:
    """The query with this calendar year filled in where the range is missing, so the date
    fields always show the range the figures are for."""
    data = request.GET.copy()
    default = selectors.Period.this_year()
    if not data.get("start"):
        data["start"] = default.start.isoformat()
    if not data.get("end"):
        data["end"] = default.end.isoformat()
    return data


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def statistics(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(_with_default_range(request))
    period = form.period()
    stats = selectors.statistics(period)
    paid, submitted, claims = _("Amount paid (KWD)"), _("Requests submitted"), _("Claims")
    charts = {
        "aid_types": _chart(stats.by_aid_type, figures=[("payments_amount", paid)], kind="bar"),
        "organisations": _chart(
            stats.by_organisation,
            figures=[("payments_amount", paid)],
            kind="bar",
            horizontal=True,
        ),
        "governorates": _chart(
            stats.by_governorate, figures=[("submitted", submitted), ("claims", claims)], kind="bar"
        ),
        "months": _chart(
            stats.by_month,
            figures=[("submitted", submitted), ("claims", claims), ("closures", _("Closed"))],
            kind="line",
        ),
    }
    context = {
        "form": form,
        "stats": stats,
        "period": period,
        "charts": charts,
        "query": period.query(),
    }
    return render(request, "reports/statistics.html", context)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def requests_list(request: HttpRequest) -> HttpResponse:
    """The requests behind a figure: read-only, no personal data, keyset pages."""
    form = RequestFilterForm(_with_default_range(request))
    filters = form.filters()
    try:
        after = int(request.GET.get("after") or 0) or None
    except ValueError:
        after = None
    page = selectors.requests_page(filters, after=after)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "query": filters.query(),
    }
    return render(request, "reports/requests.html", context)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    form = PeriodForm(_with_default_range(request))
    period = form.period()
    report = selectors.organisation_report(organisation, period)
    context = {
        "form": form,
        "report": report,
        "period": period,
        "query": period.query(),
        "deadline_days": settings.CLAIM_DEADLINE_DAYS,
        "org_params": {**period.as_params(), "organisation": organisation.pk},
        "overdue_params": {
            **period.as_params(),
            "organisation": organisation.pk,
            "basis": "current",
            "overdue": "1",
        },
    }
    return render(request, "reports/organisation.html", context)


@require_POST
@require_capability(Capability.VIEW_STATISTICS)
def export(request: HttpRequest) -> HttpResponse:
    """Small tables are sent at once; big ones become an ExportJob prepared by Celery."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("This export is not available."))
    kind, file_format = form.cleaned_data["kind"], form.cleaned_data["file_format"]
    parameters = form.parameters()
    table = exports.table_for(kind, parameters)
    if table.total > services.EXPORT_INLINE_LIMIT:
        job = services.export_job_create(
            actor=request.user,  # type: ignore[arg-type]
            kind=kind,
            file_format=file_format,
            parameters={**parameters, "language": get_language()},
        )
        return redirect("reports:export_status", pk=job.pk)
    services.export_download_record(
        actor=request.user,  # type: ignore[arg-type]
        kind=kind,
        file_format=file_format,
        rows=table.total,
        parameters=parameters,
        ip_address=client_ip(request),
    )
    name = exports.filename(kind, file_format, parameters)
    response: HttpResponse | StreamingHttpResponse
    if file_format == ExportFormat.CSV:
        response = StreamingHttpResponse(
            exports.stream_csv(table), content_type="text/csv; charset=utf-8"
        )
    else:
        buffer = io.BytesIO()
        exports.write(table, file_format, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response  # type: ignore[return-value]


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.export_job_for_user(request.user, pk)  # type: ignore[arg-type]
    if job is None:
        raise Http404
    template = (
        "reports/partials/export_status.html"
        if request.htmx  # type: ignore[attr-defined]
        else "reports/export_status.html"
    )
    return render(request, template, {"job": job, "kinds": dict(ExportKind.choices)})


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = selectors.export_job_for_user(request.user, pk)  # type: ignore[arg-type]
    if job is None or not job.file_path:
        raise Http404
    folder = (Path(settings.MEDIA_ROOT) / services.EXPORTS_FOLDER).resolve()
    path = (Path(settings.MEDIA_ROOT) / job.file_path).resolve()
    if folder not in path.parents or not path.is_file():
        raise Http404
    services.export_download_record(
        actor=request.user,  # type: ignore[arg-type]
        kind=job.kind,
        file_format=job.file_format,
        rows=job.row_count,
        job=job,
        ip_address=client_ip(request),
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.filename(job.kind, job.file_format, job.parameters),
        content_type=XLSX if job.file_format == ExportFormat.XLSX else "text/csv; charset=utf-8",
    )
