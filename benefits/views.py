"""Ministry pages of the state benefits: the imports, the upload of a small agency file, one
import's progress and its report of bad rows."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability, require_personal_data
from audit.services import client_ip
from benefits.exceptions import BenefitsError
from benefits.forms import UploadForm, upload_limit_mb
from benefits.models import ImportBatch, ImportStatus
from benefits.selectors import import_batch_get, import_batches_recent
from benefits.uploads import (
    benefit_report_download_record,
    benefit_upload_start,
    upload_report_path,
)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.IMPORT_BENEFITS)
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The latest imports, and the form that uploads a small file to import in the
    background."""
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                started = benefit_upload_start(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                    submission_key=form.cleaned_data["submission_key"],
                    language=get_language() or "ar",
                )
            except BenefitsError as error:
                form.add_error("file", str(error.message))
            else:
                if started.repeated:
                    messages.info(
                        request, _("This form was already sent: here is the import it started.")
                    )
                return redirect("benefits:batch", pk=started.batch.pk)
        status = 400
    else:
        form = UploadForm()
    return render(
        request,
        "benefits/imports.html",
        {"form": form, "batches": import_batches_recent(), "limit_mb": upload_limit_mb()},
        status=status,
    )


def _batch_or_404(pk: int) -> ImportBatch:
    batch = import_batch_get(pk)
    if batch is None:
        raise Http404
    return batch


@require_GET
@require_capability(Capability.IMPORT_BENEFITS)
def batch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One import: its progress while it runs (the page asks again every 2 s), then its
    summary line and its report."""
    found = _batch_or_404(pk)
    context = {"batch": found, "has_report": upload_report_path(found) is not None}
    if request.htmx:
        return render(request, "benefits/partials/batch_status.html", context)
    return render(request, "benefits/batch.html", context)


@require_GET
@require_capability(Capability.IMPORT_BENEFITS)
@require_personal_data
def report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The report of an upload's bad rows (line, civil ID masked, reason), once it is done."""
    found = _batch_or_404(pk)
    path = upload_report_path(found)
    if path is None or found.status == ImportStatus.RUNNING or not path.is_file():
        raise Http404
    benefit_report_download_record(actor=request.user, batch=found, ip_address=client_ip(request))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=path.name,
        content_type="text/csv; charset=utf-8",
    )
