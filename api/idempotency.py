"""``Idempotency-Key`` on POST: a retried call returns the first answer and changes nothing.

The first call with a key inserts the row (client, key, fingerprint) and commits it *before*
running the service: the unique constraint on (client, key) is the lock, so of two simultaneous
calls with one key only the one whose insert won runs the service; the other sees the row and
answers the stored response, or 409 ``idempotency_in_progress`` while the first is still
running. The service runs outside this transaction (services open their own durable one). The
first answer — success or refusal — is stored; a server error deletes the row, so that a retry
can run again, and so does a retry that finds a first call "running" for ``ABANDONED_AFTER``
(its process died). The same key with another method, path or body is refused (422).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import ApiToken, IdempotentRequest
from api.problems import problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
#: A first call still "running" after this long died (a killed worker): a retry takes over.
ABANDONED_AFTER = datetime.timedelta(minutes=10)


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), hashlib.sha256(body).digest()):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def _claim_key(client_id: int, key: str, print_: str) -> tuple[IdempotentRequest, bool]:
    """The row of this key, and whether this call inserted it (and so runs the service)."""
    try:
        with transaction.atomic():
            row = IdempotentRequest.objects.create(
                client_id=client_id, key=key, fingerprint=print_, created_at=timezone.now()
            )
        return row, True
    except IntegrityError:
        # Another call inserted it first (on PostgreSQL this insert waited for its commit).
        return IdempotentRequest.objects.get(client_id=client_id, key=key), False


def _abandoned(row: IdempotentRequest) -> bool:
    """Delete ``row`` if its first call died before answering; True when it is gone (deleted
    here or by a simultaneous retry: the unique key then picks who runs)."""
    if timezone.now() - row.created_at < ABANDONED_AFTER:
        return False
    IdempotentRequest.objects.filter(pk=row.pk, status__isnull=True).delete()
    return True


def _replay(row: IdempotentRequest, print_: str) -> Response:
    if row.fingerprint != print_:
        return problem(
            422,
            "idempotency_key_reused",
            _("This idempotency key was used for another request."),
        )
    if row.status is None:
        return problem(
            409,
            "idempotency_in_progress",
            _("A request with this idempotency key is still running: try again shortly."),
        )
    response = Response(row.body, status=row.status, content_type=row.content_type or None)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Wrap an API view's ``post``: with an ``Idempotency-Key`` header, run it at most once."""

    @functools.wraps(handler)
    def wrapped(view: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key or not isinstance(request.auth, ApiToken):
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return problem(
                400, "idempotency_key_invalid", _("An idempotency key has 255 characters at most.")
            )
        # The raw body, read before the view parses it (Django keeps it for the parser).
        print_ = fingerprint(request.method, request.path, request.body)
        row, created = _claim_key(request.auth.client_id, key, print_)
        if not created and row.status is None and _abandoned(row):
            row, created = _claim_key(request.auth.client_id, key, print_)
        if not created:
            return _replay(row, print_)
        try:
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as error:
                # A refusal the API answers (a domain error, 404, 403, invalid data) is the
                # first answer too; anything else is a server error and is raised on.
                handled = view.handle_exception(error)
                response = handled
        except Exception:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
            return response
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        IdempotentRequest.objects.filter(pk=row.pk).update(
            status=response.status_code,
            body=body,
            content_type=response.content_type or "",
        )
        return response

    return wrapped
