"""Reads of the benefits app for the ministry's pages (the imports are the ministry's own: no
organisation scoping; who may read them is ``Capability.IMPORT_BENEFITS``)."""

from __future__ import annotations

from django.db.models import QuerySet

from benefits.models import ImportBatch

RECENT_IMPORTS = 50


def import_batches_recent(*, limit: int = RECENT_IMPORTS) -> QuerySet[ImportBatch]:
    """The latest imports of every source (uploads, the command, the live lookup), newest
    first."""
    return ImportBatch.objects.select_related("started_by").order_by("-started_at", "-pk")[:limit]


def import_batch_get(pk: int) -> ImportBatch | None:
    return ImportBatch.objects.select_related("started_by").filter(pk=pk).first()
