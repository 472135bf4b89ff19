"""The applicant's choice of paid volunteering rather than direct aid."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from volunteering.models import Preference


def preference_set(*, actor: User, prefers: bool) -> Preference:
    """Keep the applicant's choice (saying the same again writes nothing)."""
    with transaction.atomic(durable=True):
        preference, created = Preference.objects.select_for_update().get_or_create(
            applicant=actor,
            defaults={"prefers_volunteering": prefers, "updated_at": timezone.now()},
        )
        if created or preference.prefers_volunteering != prefers:
            preference.prefers_volunteering = prefers
            preference.updated_at = timezone.now()
            preference.save(update_fields=["prefers_volunteering", "updated_at"])
            audit_record(
                actor=actor,
                action="volunteering.preference",
                target=preference,
                applicant_id=actor.pk,
                data={"prefers_volunteering": prefers},
            )
    return preference
