"""The audit trail: one append-only, hash-chained row per state change or view of personal data."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.exceptions import AuditTrailIsAppendOnly


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Reads as usual; bulk ``update()`` and ``delete()`` refuse (``bulk_update`` goes through
    ``update()`` and refuses too)."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("update")

    def delete(self) -> NoReturn:
        raise AuditTrailIsAppendOnly("delete")

    # Used by the deletion collector for "fast" deletes; closed as well.
    def _raw_delete(self, using: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("delete")


class AuditEntry(models.Model):
    """Who did what to which object, when. Never updated or deleted by the application.

    ``entry_hash`` = SHA-256 over the previous entry's hash and this entry's content, so a changed
    or removed row breaks the chain (``manage.py audit_verify``). Append-only three times over:
    ``save()`` inserts only, ``delete()`` and the queryset's ``update()``/``delete()`` raise
    ``AuditTrailIsAppendOnly``, and a database trigger refuses UPDATE and DELETE of a row
    (migration 0003; on SQLite UPDATE only, see there).
    """

    created_at = models.DateTimeField(_("time"))
    # Indexed by the (actor, id) index below, which also serves the foreign key.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    organisation_id = models.BigIntegerField(_("organisation"), null=True, blank=True)
    applicant_id = models.BigIntegerField(_("applicant"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["id"]
        # The trail viewer filters by one column and pages newest-first by id (keyset): each
        # index serves "WHERE <column> = x AND id < cursor ORDER BY id DESC LIMIT n" directly.
        # (action, id) also makes the list of distinct actions an index skip, and
        # (created_at, id) turns a date range into an id range (audit/selectors.py).
        indexes = [
            models.Index(fields=["created_at", "id"], name="audit_created_at_id_idx"),
            models.Index(fields=["action", "id"], name="audit_action_id_idx"),
            models.Index(fields=["organisation_id", "id"], name="audit_organisation_id_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_id_idx"),
            models.Index(fields=["applicant_id", "id"], name="audit_applicant_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only the first save of a new instance may write; ``audit_record`` is the one caller.
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditTrailIsAppendOnly("update")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("delete")
