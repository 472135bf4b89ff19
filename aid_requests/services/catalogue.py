"""The aid-type catalogue, kept by the ministry."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from accounts.permissions import Capability, can
from aid_requests.exceptions import NotPermitted
from aid_requests.models import AidType
from audit.services import audit_record

_AID_TYPE_FIELDS = (
    "code",
    "name_ar",
    "name_en",
    "description_ar",
    "description_en",
    "scope",
    "beneficiaries",
    "coverage_months",
    "max_amount",
    "required_documents",
    "max_income_per_capita",
    "is_active",
    "licensed_only",
)


def aid_type_save(*, actor: User, aid_type: AidType | None, data: dict[str, Any]) -> AidType:
    """Create (``aid_type=None``) or change an aid type of the catalogue; audited."""
    if not can(actor, Capability.MANAGE_AID_TYPES):
        raise NotPermitted
    with transaction.atomic(durable=True):
        if aid_type is None:
            aid_type = AidType()
            before: dict[str, Any] = {}
        else:
            aid_type = AidType.objects.select_for_update().get(pk=aid_type.pk)
            before = {f: getattr(aid_type, f) for f in _AID_TYPE_FIELDS}
        for name in _AID_TYPE_FIELDS:
            if name in data:
                setattr(aid_type, name, data[name])
        aid_type.full_clean()
        aid_type.save()
        changed = {
            f: [str(before.get(f)), str(getattr(aid_type, f))]
            for f in _AID_TYPE_FIELDS
            if before.get(f) != getattr(aid_type, f)
        }
        audit_record(
            actor=actor,
            action="aid_type.created" if not before else "aid_type.changed",
            target=aid_type,
            data={"changes": changed},
        )
    return aid_type
