"""Step 5 of the profile: the documents, stored under random names and served after the
one access check (``aid_requests.selectors.get_document_for_user``).

``held_statuses`` and ``live_statuses`` are the request statuses of ``aid_requests.models``
(``HELD_STATUSES``, ``LIVE_STATUSES``), passed in by the callers: requests are a layer above.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from applicants import selectors
from applicants.exceptions import DocumentInUseError, DocumentRejectedError
from applicants.models import Document
from applicants.services.history import History, locked_profile, locked_row, snapshot
from applicants.validators import check_upload
from audit.services import audit_record
from config.commit import after_commit

_DOCUMENT_FIELDS = ("kind", "original_name", "content_type", "size")


def _clean_name(name: str) -> str:
    """The uploaded file's own name (no folders), kept for display and download only."""
    return (PurePath(name.replace("\\", "/")).name or "document")[-255:]


def document_upload(
    *,
    actor: User,
    kind: str,
    upload: UploadedFile,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> Document:
    """Store an uploaded file under a random name, after checking what it really is.

    Refused (DocumentRejectedError, nothing stored): empty, over 10 MB, content that is not a
    whole PDF/JPEG/PNG file (checked at its start and its end), or a name whose extension
    disagrees with the content.
    """
    name, size = _clean_name(upload.name or ""), upload.size or 0
    try:
        content_type = check_upload(upload, name=name)
    except ValidationError as error:
        raise DocumentRejectedError(" ".join(error.messages)) from None

    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        document = Document(
            profile=profile,
            kind=kind,
            original_name=name,
            content_type=content_type,
            size=size,
        )
        # The file is written first (the row needs its name); if the row then fails, the
        # file is removed again so nothing is left behind.
        document.file.save("upload", upload, save=False)
        try:
            with transaction.atomic():
                document.save()
                History(profile=profile, actor=actor, held_statuses=held_statuses).added(
                    document, snapshot(document, _DOCUMENT_FIELDS)
                )
                audit_record(
                    actor=actor,
                    action="document.upload",
                    target=document,
                    applicant_id=actor.pk,
                    data={"kind": kind, "content_type": content_type, "size": size},
                    ip_address=ip_address,
                )
        except Exception:
            document.file.delete(save=False)
            raise
    return document


def document_remove(
    *,
    actor: User,
    document: Document,
    held_statuses: Collection[str],
    live_statuses: Collection[str],
    ip_address: str | None = None,
) -> None:
    """Delete one of ``actor``'s documents; the file goes once the transaction committed.

    Refused (DocumentInUseError, nothing changes) while the document is attached to a live
    request (any status but withdrawn, ineligible, rejected or closed): the charity studying it
    and the ministry must keep seeing what was submitted. The document row is locked first, so
    a submission attaching it at the same moment either commits before (and is seen here) or
    waits for this removal and then fails on the missing row.
    """
    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        locked = locked_row(Document, pk=document.pk, profile=profile)
        if selectors.document_in_live_request(locked, live_statuses=live_statuses):
            raise DocumentInUseError
        History(profile=profile, actor=actor, held_statuses=held_statuses).removed(
            locked, snapshot(locked, _DOCUMENT_FIELDS)
        )
        audit_record(
            actor=actor,
            action="document.remove",
            target=locked,
            applicant_id=actor.pk,
            data={"kind": locked.kind},
            ip_address=ip_address,
        )
        storage, stored_name = locked.file.storage, locked.file.name
        locked.delete()
        # A file that cannot be removed now is only disk space: the removal is logged.
        after_commit(storage.delete, stored_name)


def document_download_record(
    *, actor: User, document: Document, ip_address: str | None = None
) -> None:
    """Log that ``actor`` is being served ``document`` (call after the access check)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="document.download",
            target=document,
            applicant_id=document.profile.user_id,
            data={"kind": document.kind},
            ip_address=ip_address,
        )
