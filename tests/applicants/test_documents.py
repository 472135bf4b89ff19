"""Documents: checked by content, stored under random names, served only to their owner."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from aid_requests.models import HELD_STATUSES, LIVE_STATUSES
from applicants.exceptions import DocumentInUseError, DocumentRejectedError
from applicants.models import Document
from applicants.services import documents as document_services
from audit.models import AuditEntry
from tests.factories import (
    ApplicantProfileFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)
from tests.factories.applicants import JPEG_BYTES, PDF_BYTES, DocumentFactory, png_bytes
from tests.factories.second_factor import sign_in_with_second_factor, totp_device

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024
HTML_AS_PDF = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
EXE_AS_PDF = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
#: The start of a Linux executable (ELF header) and of a Windows one (MZ, then a PE header).
ELF_BODY = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x90" * 2000
MZ_BODY = EXE_AS_PDF + b"PE\x00\x00" + b"\xcc" * 2000


def pdf_of_size(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes: padded with a comment line before its trailer."""
    head, trailer = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%", b"\ntrailer<<>>\n%%EOF\n"
    return head + b"x" * (size - len(head) - len(trailer)) + trailer


def png_without_iend() -> bytes:
    return png_bytes()[:-12]


def png_with_broken_header() -> bytes:
    data = bytearray(png_bytes())
    data[16:20] = (0).to_bytes(4, "big")  # width 0 (and the CRC no longer matches)
    return bytes(data)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- the service --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("salary.pdf", PDF_BYTES, "application/pdf", ".pdf"),
        ("civil-id.png", png_bytes(), "image/png", ".png"),
        ("report.jpg", JPEG_BYTES, "image/jpeg", ".jpg"),
        ("REPORT.JPEG", JPEG_BYTES, "image/jpeg", ".jpg"),
    ],
)
def test_real_files_are_stored_under_a_random_name(
    settings, profile, name, content, content_type, extension
):
    document = document_services.document_upload(
        actor=profile.user,
        kind="salary_certificate",
        upload=upload(name, content),
        held_statuses=HELD_STATUSES,
    )
    assert document.original_name == name
    assert document.content_type == content_type
    assert document.size == len(content)
    assert re.fullmatch(rf"documents/[0-9a-f]{{32}}\{extension}", document.file.name)
    [path] = stored_files(settings)
    assert path.read_bytes() == content
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.is_relative_to(Path(settings.BASE_DIR) / "static")
    entry = AuditEntry.objects.get(action="document.upload")
    assert (entry.actor, entry.object_id) == (profile.user, str(document.pk))
    assert entry.data["content_type"] == content_type


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("letter.pdf", HTML_AS_PDF, "Only PDF, JPEG or PNG"),
        ("setup.pdf", EXE_AS_PDF, "Only PDF, JPEG or PNG"),
        ("photo.pdf", png_bytes(), "it is a PNG file"),
        ("scan.png", PDF_BYTES, "it is a PDF file"),
        ("scan", PDF_BYTES, "it is a PDF file"),
        ("big.pdf", PDF_BYTES + b"\0" * (TEN_MB + 1 - len(PDF_BYTES)), "larger than 10 MB"),
        ("empty.pdf", b"", "empty"),
    ],
    ids=[
        "html-as-pdf",
        "exe-as-pdf",
        "png-renamed-pdf",
        "pdf-renamed-png",
        "no-extension",
        "ten-mb-plus-one",
        "empty",
    ],
)
def test_refused_files_leave_nothing_behind(settings, profile, name, content, message):
    with pytest.raises(DocumentRejectedError, match=message):
        document_services.document_upload(
            actor=profile.user,
            kind="other",
            upload=upload(name, content),
            held_statuses=HELD_STATUSES,
        )
    assert not Document.objects.exists()
    assert stored_files(settings) == []
    assert not AuditEntry.objects.exists()


def test_exactly_ten_mb_is_accepted(profile):
    content = pdf_of_size(TEN_MB)
    document = document_services.document_upload(
        actor=profile.user,
        kind="other",
        upload=upload("big.pdf", content),
        held_statuses=HELD_STATUSES,
    )
    assert document.size == TEN_MB


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.pdf", b"%PDF-1.7\n" + ELF_BODY),
        ("setup.pdf", b"%PDF-1.7\n" + MZ_BODY),
        ("setup.pdf", b"%PDF-" + MZ_BODY + b"\n%%EOF\n"),
        ("cut.pdf", PDF_BYTES[:-7]),
        ("far.pdf", PDF_BYTES + b" " * 1024),
        ("cut.png", png_without_iend()),
        ("forged.png", png_with_broken_header()),
        ("forged.png", b"\x89PNG\r\n\x1a\n" + ELF_BODY + png_bytes()[-12:]),
        ("cut.jpg", JPEG_BYTES[:-2]),
        ("setup.jpg", b"\xff\xd8\xff\xe0" + ELF_BODY),
    ],
    ids=[
        "pdf-header-elf-body",
        "pdf-header-mz-body",
        "pdf-without-version-mz-body",
        "pdf-without-eof",
        "pdf-eof-beyond-the-last-kilobyte",
        "png-without-iend",
        "png-with-broken-ihdr",
        "png-signature-elf-body",
        "jpeg-without-end-marker",
        "jpeg-header-elf-body",
    ],
)
def test_a_signature_in_front_of_something_else_is_refused(settings, profile, name, content):
    with pytest.raises(DocumentRejectedError, match="damaged, incomplete"):
        document_services.document_upload(
            actor=profile.user,
            kind="other",
            upload=upload(name, content),
            held_statuses=HELD_STATUSES,
        )
    assert not Document.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("padded.pdf", PDF_BYTES + b"\r\n" + b"\0" * 100),
        ("pdf-2.pdf", PDF_BYTES.replace(b"%PDF-1.4", b"%PDF-2.0")),
        ("padded.jpg", JPEG_BYTES + b"\0" * 16),
        ("image.png", png_bytes()),
    ],
    ids=["pdf-with-trailing-bytes", "pdf-2", "jpeg-padded-after-eoi", "png"],
)
def test_whole_files_with_harmless_endings_are_accepted(profile, name, content):
    document = document_services.document_upload(
        actor=profile.user, kind="other", upload=upload(name, content), held_statuses=HELD_STATUSES
    )
    assert document.size == len(content)


def test_folders_in_the_uploaded_name_are_dropped(profile):
    document = document_services.document_upload(
        actor=profile.user,
        kind="other",
        upload=upload("..\\..\\secret/../evil.pdf", PDF_BYTES),
        held_statuses=HELD_STATUSES,
    )
    assert document.original_name == "evil.pdf"
    assert ".." not in document.file.name


def test_removing_a_document_deletes_its_file_after_commit(
    settings, profile, django_capture_on_commit_callbacks
):
    document = document_services.document_upload(
        actor=profile.user,
        kind="other",
        upload=upload("a.pdf", PDF_BYTES),
        held_statuses=HELD_STATUSES,
    )
    with django_capture_on_commit_callbacks(execute=True):
        document_services.document_remove(
            actor=profile.user,
            document=document,
            held_statuses=HELD_STATUSES,
            live_statuses=LIVE_STATUSES,
        )
    assert not Document.objects.exists()
    assert stored_files(settings) == []
    assert AuditEntry.objects.filter(action="document.remove").exists()


def test_a_failed_row_removes_the_file_it_wrote(settings, profile, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(document_services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        document_services.document_upload(
            actor=profile.user,
            kind="other",
            upload=upload("a.pdf", PDF_BYTES),
            held_statuses=HELD_STATUSES,
        )
    assert not Document.objects.exists()
    assert stored_files(settings) == []


# --- the views ----------------------------------------------------------------------------


def post_upload(client, name, content, kind="civil_id_copy"):
    token = client.get(reverse("applicants:documents")).context["submission"]
    return client.post(
        reverse("applicants:document_upload"),
        {"kind": kind, "file": upload(name, content), "submission": token},
    )


def test_an_upload_through_the_page_is_stored(client, profile):
    client.force_login(profile.user)
    response = post_upload(client, "هوية.png", png_bytes())
    assert response["Location"] == reverse("applicants:documents")
    assert Document.objects.get().original_name == "هوية.png"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fake.pdf", HTML_AS_PDF, "Only PDF, JPEG or PNG"),
        ("photo.pdf", png_bytes(), "does not match its content"),
        ("big.pdf", PDF_BYTES + b"\0" * (TEN_MB + 1 - len(PDF_BYTES)), "larger than 10 MB"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_refused_upload_shows_why_on_the_field(settings, client, profile, name, content, message):
    client.force_login(profile.user)
    response = post_upload(client, name, content)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_the_owner_downloads_an_attachment_and_it_is_logged(client, profile):
    document = DocumentFactory(profile=profile, original_name="شهادة راتب.pdf")
    client.force_login(profile.user)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="document.download")
    assert (entry.actor, entry.object_id, entry.applicant_id) == (
        profile.user,
        str(document.pk),
        profile.user.pk,
    )


def test_png_is_served_as_png(client, profile):
    document = DocumentFactory(
        profile=profile,
        content_type="image/png",
        original_name="x.png",
        file__data=png_bytes(),
        size=len(png_bytes()),
    )
    client.force_login(profile.user)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response["Content-Type"] == "image/png"
    assert 'filename="x.png"' in response["Content-Disposition"]


def test_another_applicant_cannot_download_and_nothing_is_logged(client, profile):
    document = DocumentFactory(profile=ApplicantProfileFactory())
    client.force_login(profile.user)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "make_staff",
    [lambda: CharityStaffFactory(role=Role.MANAGER), lambda: StaffUserFactory()],
    ids=["charity", "ministry"],
)
def test_staff_without_a_case_holding_the_document_get_404(client, make_staff):
    document = DocumentFactory()
    client.force_login(make_staff())
    assert (
        client.get(reverse("applicants:document_download", args=[document.pk])).status_code == 404
    )
    assert not AuditEntry.objects.exists()


def _case_with(document, status):
    from aid_requests.models import RequestStatus
    from tests.factories import AidRequestFactory, OrganisationFactory

    organisation = OrganisationFactory()
    aid_request = AidRequestFactory(
        applicant=document.profile.user,
        status=getattr(RequestStatus, status.upper()),
        claimed_by=organisation if status != "open" else None,
    )
    aid_request.documents.add(document)
    return organisation


def test_the_charity_holding_the_case_may_download_and_it_is_logged(client):
    document = DocumentFactory()
    organisation = _case_with(document, "claimed")
    staff = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=organisation)
    client.force_login(staff)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="document.download")
    assert entry.actor == staff


def test_charity_staff_without_a_passed_second_factor_get_403_when_mfa_is_required(
    client, settings
):
    settings.STAFF_REQUIRE_MFA = True
    document = DocumentFactory()
    organisation = _case_with(document, "claimed")
    staff = CharityStaffFactory(membership__organisation=organisation)
    totp_device(staff)  # enrolled, but this session never typed a code
    client.force_login(staff)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 403
    assert 'data-testid="needs-second-factor"' in response.content.decode()
    assert not AuditEntry.objects.filter(action="document.download").exists()
    sign_in_with_second_factor(client, staff)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 200


def test_a_document_on_an_open_request_is_not_shown_to_charities(client):
    document = DocumentFactory()
    other = OrganisationFactory()
    _case_with(document, "open")
    client.force_login(CharityStaffFactory(membership__organisation=other))
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 404


def test_a_file_missing_on_disk_is_404_not_500(client, profile):
    document = DocumentFactory(profile=profile)
    document.file.storage.delete(document.file.name)
    client.force_login(profile.user)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.exists()


# --- removing a document that a request relies on -----------------------------------------

FINISHED = {"withdrawn", "ineligible", "rejected", "closed"}


def _request_with(profile, documents, status):
    from aid_requests.models import HELD_STATUSES, RequestStatus
    from tests.factories import AidRequestFactory

    aid_request = AidRequestFactory(
        applicant=profile.user,
        status=status,
        claimed_by=OrganisationFactory() if status in HELD_STATUSES else None,
    )
    aid_request.documents.set(documents)
    assert RequestStatus(status)
    return aid_request


def test_a_document_of_an_open_request_is_not_removed(settings, profile):
    documents = DocumentFactory.create_batch(2, profile=profile)
    aid_request = _request_with(profile, documents, "open")
    with pytest.raises(DocumentInUseError, match="still in progress"):
        document_services.document_remove(
            actor=profile.user,
            document=documents[0],
            held_statuses=HELD_STATUSES,
            live_statuses=LIVE_STATUSES,
        )
    assert aid_request.documents.count() == 2
    assert len(stored_files(settings)) == 2
    assert not AuditEntry.objects.filter(action="document.remove").exists()


@pytest.mark.parametrize(
    "status",
    ["submitted", "screened", "open", "claimed", "approved", "paying", "appealed"],
)
def test_no_document_of_a_live_request_is_removed(profile, status):
    document = DocumentFactory(profile=profile)
    _request_with(profile, [document], status)
    with pytest.raises(DocumentInUseError):
        document_services.document_remove(
            actor=profile.user,
            document=document,
            held_statuses=HELD_STATUSES,
            live_statuses=LIVE_STATUSES,
        )
    assert Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize("status", sorted(FINISHED))
def test_a_document_of_finished_requests_only_may_be_removed(
    settings, profile, status, django_capture_on_commit_callbacks
):
    document = DocumentFactory(profile=profile)
    _request_with(profile, [document], status)
    with django_capture_on_commit_callbacks(execute=True):
        document_services.document_remove(
            actor=profile.user,
            document=document,
            held_statuses=HELD_STATUSES,
            live_statuses=LIVE_STATUSES,
        )
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_every_status_is_either_live_or_finished():
    from aid_requests.models import LIVE_STATUSES, RequestStatus

    assert set(RequestStatus.values) == {str(s) for s in LIVE_STATUSES} | FINISHED


def test_the_page_refuses_with_a_message_and_offers_no_remove_button(client, profile):
    attached, free = DocumentFactory.create_batch(2, profile=profile)
    _request_with(profile, [attached], "claimed")
    client.force_login(profile.user)
    page = client.get(reverse("applicants:documents")).content.decode()
    assert reverse("applicants:document_remove", args=[attached.pk]) not in page
    assert reverse("applicants:document_remove", args=[free.pk]) in page
    assert page.count('data-testid="document-in-use"') == 1

    response = client.post(reverse("applicants:document_remove", args=[attached.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("applicants:documents")
    assert "still in progress, so it cannot be removed" in response.content.decode()
    assert Document.objects.filter(pk=attached.pk).exists()
