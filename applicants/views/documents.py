"""Step 5 of the profile: the documents (upload, download after the one access check,
removal)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import (
    Capability,
    require_capability,
    require_personal_data,
    second_factor_passed,
)
from aid_requests import selectors as aid_selectors
from aid_requests.models import HELD_STATUSES, LIVE_STATUSES
from applicants import selectors
from applicants.exceptions import ProfileError
from applicants.forms import DocumentForm
from applicants.models import ApplicantProfile
from applicants.selectors import Step
from applicants.services import documents as document_services
from applicants.views.common import (
    already_sent,
    new_submission,
    profile_required,
    show_error,
    step_context,
    use_submission,
    user_of,
)
from audit.services import client_ip


def _documents_page(
    request: AuthenticatedHttpRequest, profile: ApplicantProfile, form: DocumentForm | None = None
) -> HttpResponse:
    context = step_context(request, Step.DOCUMENTS, profile) | {
        "documents": selectors.documents_of(user_of(request)),
        "in_use": selectors.documents_in_live_requests(
            user_of(request), live_statuses=LIVE_STATUSES
        ),
        "form": form or DocumentForm(),
        "submission": new_submission(request),
    }
    return render(request, "applicants/profile/documents.html", context)


@require_GET
@require_capability(Capability.APPLY)
def documents(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    return _documents_page(request, profile)


@require_POST
@require_capability(Capability.APPLY)
def document_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        if not use_submission(request):
            return already_sent(request, Step.DOCUMENTS)
        try:
            document_services.document_upload(
                actor=user_of(request),
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                held_statuses=HELD_STATUSES,
                ip_address=client_ip(request),
            )
        except ProfileError as error:
            show_error(form, error)
        else:
            messages.success(request, _("The document was uploaded."))
            return redirect("applicants:documents")
    return _documents_page(request, profile, form)


@require_GET
@login_required
@require_personal_data
def document_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Serve a document as an attachment, after the one access check, and log it."""
    user = user_of(request)
    document = aid_selectors.get_document_for_user(
        user, pk, second_factor_passed=second_factor_passed(request)
    )
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    document_services.document_download_record(
        actor=user, document=document, ip_address=client_ip(request)
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@require_capability(Capability.APPLY)
def document_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    document = aid_selectors.get_document_for_user(user_of(request), pk)
    try:
        document_services.document_remove(
            actor=user_of(request),
            document=document,
            held_statuses=HELD_STATUSES,
            live_statuses=LIVE_STATUSES,
            ip_address=client_ip(request),
        )
    except ProfileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The document was removed."))
    return redirect("applicants:documents")
