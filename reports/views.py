"""Ministry pages: the overview, statistics with charts, drill-down lists, exports."""

from __future__ import annotations

import dataclasses
import io
import logging
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability, require_personal_data
from audit.services import client_ip
from charities.models import Organisation
from config.replica import in_this_block, replica_reads
from reports import exports
from reports.downloads import export_job_response
from reports.events import MONEY_FIGURES
from reports.forms import (
    BeneficiaryLookupForm,
    ExportForm,
    PeriodForm,
    RequestFilterForm,
    SourcesMonthForm,
)
from reports.models import ExportFormat
from reports.selectors.drilldown import CLAIM_WARNING_DAYS, requests_page
from reports.selectors.exports import export_job_for_user, export_jobs_of
from reports.selectors.filters import Period
from reports.selectors.organisations import organisation_report
from reports.selectors.overview import ministry_overview
from reports.selectors.picture import CHARITY, STATE, beneficiary_picture
from reports.selectors.sources import beneficiaries_by_source, totals_by_agency
from reports.selectors.statistics import Breakdown
from reports.selectors.statistics import statistics as statistics_of
from reports.selectors.volunteering import volunteering_figures
from reports.services.exports import (
    export_download_record,
    export_file,
    export_inline_limit,
    export_job_create,
)
from reports.services.picture import beneficiary_picture_view_record
from reports.tasks import refreshes_inline, rollups_current

logger = logging.getLogger(__name__)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    rollups_current()
    with replica_reads():
        context = {"overview": ministry_overview(), "inline_refresh": refreshes_inline()}
    return render(request, "reports/overview.html", context)


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
                "money": name in MONEY_FIGURES,
                "data": [
                    float(row.figures[name]) if name in MONEY_FIGURES else row.figures[name]
                    for row in rows
                ],
            }
            for name, label in figures
        ],
    }


def _with_default_range(request: HttpRequest) -> QueryDict:
    """The query with this calendar year filled in where the range is missing, so the month
    fields always show the range the figures are for."""
    data = request.GET.copy()
    default = Period.this_year()
    for name, month in (("start", default.start), ("end", default.end)):
        value = data.get(name, "")
        if not value:
            data[name] = f"{month:%Y-%m}"
        elif len(value) == len("YYYY-MM-DD"):
            data[name] = value[:7]  # a full date (an older link) stands for its month
    return data


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    rollups_current()
    form = PeriodForm(_with_default_range(request))
    period = form.period()
    with replica_reads():
        stats = statistics_of(period)
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
        "inline_refresh": refreshes_inline(),
        # Reversed once here, not in each of the tables' hundreds of cells.
        "requests_url": reverse("reports:requests"),
        # "/ministry/statistics/organisations/" (the table appends "<pk>/").
        "organisations_url": reverse("reports:organisation", args=[0])[: -len("0/")],
        "period_query": period.query(),
    }
    return render(request, "reports/statistics.html", context)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def requests_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The requests behind a figure: read-only, no personal data, keyset pages."""
    form = RequestFilterForm(_with_default_range(request))
    filters = form.filters()
    try:
        after = int(request.GET.get("after") or 0) or None
    except ValueError:
        after = None
    with replica_reads():
        page = requests_page(filters, after=after)
    bases: dict[str, str] = dict(cast(forms.ChoiceField, form.fields["basis"]).choices)  # type: ignore[arg-type]
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "query": filters.query(),
        "basis_label": bases.get(filters.basis, ""),
    }
    return render(request, "reports/requests.html", context)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def organisation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    rollups_current()
    form = PeriodForm(_with_default_range(request))
    period = form.period()
    with replica_reads():
        report = organisation_report(organisation, period)
    context = {
        "form": form,
        "report": report,
        "period": period,
        "deadline_days": settings.CLAIM_DEADLINE_DAYS,
        "warning_days": CLAIM_WARNING_DAYS,
        "inline_refresh": refreshes_inline(),
        "org_params": {**period.as_params(), "organisation": organisation.pk},
        "overdue_params": {
            **period.as_params(),
            "organisation": organisation.pk,
            "basis": "current",
            "state": "held",
            "overdue": "1",
        },
    }
    return render(request, "reports/organisation.html", context)


@require_POST
@require_capability(Capability.VIEW_STATISTICS)
def export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """Small tables are sent at once; big ones become an ExportJob prepared by Celery."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        # The reason (a month out of range, a range the wrong way round) in plain words.
        problems = [str(error) for errors in form.errors.values() for error in errors]
        return HttpResponseBadRequest(
            " ".join([_("This export is not available."), *problems]),
            content_type="text/plain; charset=utf-8",
        )
    kind, file_format = form.cleaned_data["kind"], form.cleaned_data["file_format"]
    parameters = form.parameters()
    # The count and the rows (read while the file is written, a CSV after this view has
    # returned) from one source.
    with replica_reads():
        table = exports.table_for(kind, parameters)
        table = dataclasses.replace(table, rows=in_this_block(iter(table.rows)))
    if table.total > export_inline_limit():
        job = export_job_create(
            actor=request.user,
            kind=kind,
            file_format=file_format,
            parameters={**parameters, "language": get_language()},
        )
        return redirect("reports:export_status", pk=job.pk)
    export_download_record(
        actor=request.user,
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
        response = HttpResponse(
            buffer.getvalue(), content_type=exports.content_type(ExportFormat.XLSX)
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def export_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = export_job_for_user(request.user, pk)
    if job is None:
        raise Http404
    template = (
        "reports/partials/export_status.html" if request.htmx else "reports/export_status.html"
    )
    return render(request, template, {"job": job})


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def my_exports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The exports this person asked for (nobody else's), newest first."""
    jobs = export_jobs_of(request.user)
    return render(request, "reports/my_exports.html", {"jobs": jobs})


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def export_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    job = export_job_for_user(request.user, pk)
    path = None if job is None else export_file(job)
    if job is None or path is None:
        raise Http404
    return export_job_response(request, job, path, request.user)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.VIEW_ALL_CASES)
@require_personal_data
def beneficiaries(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One person's picture: who they are in the registry, and everything their household
    received from charities and from the state, on one timeline.

    The civil ID is sent by POST and the picture is the answer: it never travels in a URL
    (access logs and browser histories keep those). A query string is dropped by a redirect
    to the bare page. Every picture shown is audited, an empty one too.
    """
    if request.method == "GET" and request.GET:
        return redirect("reports:beneficiaries")
    form = BeneficiaryLookupForm(request.POST if request.method == "POST" else None)
    picture = None
    if form.is_bound and form.is_valid():
        picture = beneficiary_picture(form.cleaned_data["civil_id"])
        beneficiary_picture_view_record(
            actor=request.user,
            civil_id=picture.civil_id,
            found=picture.on_record,
            applicant_id=picture.households[0].applicant_id if picture.households else None,
            ip_address=client_ip(request),
        )
        form = BeneficiaryLookupForm()  # the next search starts empty
    context = {"form": form, "picture": picture, "charity": CHARITY, "state": STATE}
    return render(request, "reports/beneficiaries.html", context)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def sources(request: AuthenticatedHttpRequest) -> HttpResponse:
    """State benefits next to charity aid: people by source in a month, amounts by agency
    and month. Counts and sums only: no person is named."""
    data = request.GET.copy()
    if not data.get("month"):  # the field shows the month the figures are for
        data["month"] = f"{timezone.localdate():%Y-%m}"
    form = SourcesMonthForm(data)
    month = form.chosen_month()
    with replica_reads():
        context = {
            "form": form,
            "month": month,
            "counts": beneficiaries_by_source(month),
            "totals": totals_by_agency(month),
        }
    return render(request, "reports/sources.html", context)


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def volunteering(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Paid volunteering: volunteers, confirmed hours and stipends by organisation, governorate
    and month; how many applicants prefer it to direct aid. Counts and sums only."""
    with replica_reads():
        figures = volunteering_figures()
    return render(request, "reports/volunteering.html", {"figures": figures})
