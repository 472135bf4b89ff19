"""config.rows writes the rows the ORM's save() would write, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import datetime
import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, models
from django.db.models import signals
from django.utils import timezone

from aid_requests.models import AidRequest, RequestStatus, TimelineEntry
from audit.models import AuditEntry
from config.rows import insert_row, update_row
from dedup.models import AidCommitment
from notifications.models import DeliveryStatus, Notification
from tests.config.test_architecture import ROOT
from tests.factories import AidRequestFactory

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_as_the_orm_would_have_saved_it():
    aid_request = AidRequestFactory()
    notification = Notification(
        recipient=aid_request.applicant,
        kind="request_claimed",
        aid_request=aid_request,
        context={"number": aid_request.pk, "aid_type": {"ar": "أسر", "en": "Families"}},
        created_at=timezone.now(),
    )
    insert_row(notification)
    assert notification.pk is not None
    assert not notification._state.adding
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.context == {"number": aid_request.pk, "aid_type": {"ar": "أسر", "en": "Families"}}
    assert stored.created_at == notification.created_at
    # field defaults apply as in save()
    assert (stored.sms_status, stored.attempts, stored.read_at) == (DeliveryStatus.PENDING, 0, None)


def test_each_insert_gets_its_own_primary_key():
    aid_request = AidRequestFactory()
    entries = [
        TimelineEntry(aid_request=aid_request, to_status=RequestStatus.OPEN, at=timezone.now())
        for _ in range(3)
    ]
    for entry in entries:
        insert_row(entry)
    assert sorted(e.pk for e in entries) == sorted(
        TimelineEntry.objects.filter(aid_request=aid_request).values_list("pk", flat=True)
    )
    assert len({e.pk for e in entries}) == 3


def test_an_update_writes_only_the_named_fields_and_bumps_auto_now():
    aid_request = AidRequestFactory(need_score=40)
    before = AidRequest.objects.get(pk=aid_request.pk).updated_at
    aid_request.status = RequestStatus.WITHDRAWN
    aid_request.need_score = 99  # changed in memory, not named: stays 40 in the row
    aid_request.submitted_at = timezone.now() - datetime.timedelta(days=3)
    update_row(aid_request, ["status", "submitted_at", "updated_at"])
    stored = AidRequest.objects.get(pk=aid_request.pk)
    assert (stored.status, stored.need_score) == (RequestStatus.WITHDRAWN, 40)
    assert stored.submitted_at == aid_request.submitted_at
    assert stored.updated_at > before
    assert stored.updated_at == aid_request.updated_at


def test_values_are_prepared_by_their_fields():
    aid_request = AidRequestFactory()
    aid_request.approved_amount = Decimal("120.125")
    aid_request.coverage_start = datetime.date(2026, 1, 31)
    update_row(aid_request, ["approved_amount", "coverage_start"])
    stored = AidRequest.objects.get(pk=aid_request.pk)
    assert (stored.approved_amount, stored.coverage_start) == (
        Decimal("120.125"),
        datetime.date(2026, 1, 31),
    )


def test_updating_a_row_that_is_gone_is_an_error_and_writes_nothing():
    aid_request = AidRequestFactory()
    gone = AidRequest.objects.get(pk=aid_request.pk)
    gone.pk = aid_request.pk + 1000
    gone.status = RequestStatus.CLAIMED
    with pytest.raises(DatabaseError, match="gone"):
        update_row(gone, ["status"])
    assert AidRequest.objects.get(pk=aid_request.pk).status == RequestStatus.OPEN


# --- what config.rows skips: signals ---------------------------------------------------------
#
# config.rows writes without ``save()``, so a pre_save/post_save/pre_init/post_init receiver on
# a model it writes would silently not run. The models are found from the code: every module
# that imports config.rows, every function there that calls it, and the model classes that
# function instantiates or takes as a parameter.

ROWS_FUNCTIONS = {"insert_row", "insert_rows", "update_row"}
SKIPPED_SIGNALS = {
    "pre_save": signals.pre_save,
    "post_save": signals.post_save,
    "pre_init": signals.pre_init,
    "post_init": signals.post_init,
}


def _rows_callers() -> list[str]:
    """The modules (dotted names) of the project that import ``config.rows``."""
    from tests.config.test_architecture import _sources

    found = []
    for path in _sources():
        if path.parts[-2:] == ("config", "rows.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(
            isinstance(node, ast.ImportFrom) and node.module == "config.rows"
            for node in ast.walk(tree)
        ):
            relative = path.relative_to(ROOT).with_suffix("")
            found.append(".".join(part for part in relative.parts if part != "__init__"))
    return sorted(found)


def _models_in(module_name: str) -> set[type[models.Model]]:
    """The model classes each function of ``module_name`` that calls config.rows instantiates
    or is given (by its parameters' annotations)."""
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))

    def model(node: ast.expr | None) -> type[models.Model] | None:
        value = getattr(module, node.id, None) if isinstance(node, ast.Name) else None
        if isinstance(value, type) and issubclass(value, models.Model):
            return value
        return None

    found: set[type[models.Model]] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
        if not any(getattr(call.func, "id", None) in ROWS_FUNCTIONS for call in calls):
            continue
        arguments = [*function.args.args, *function.args.kwonlyargs]
        annotations = [argument.annotation for argument in arguments]
        for node in [*annotations, *(call.func for call in calls)]:
            if (found_model := model(node)) is not None:
                found.add(found_model)
    return found


def written_by_rows() -> set[type[models.Model]]:
    return set().union(*(_models_in(name) for name in _rows_callers()))


def receivers_skipped_by_rows(written: set[type[models.Model]]) -> set[tuple[str, str]]:
    return {
        (model.__name__, name)
        for model in written
        for name, signal in SKIPPED_SIGNALS.items()
        if signal.has_listeners(model)
    }


def test_the_models_rows_writes_are_found_from_the_code():
    # A guard for the test below: these are written through config.rows today (a discovery
    # that found nothing would make it pass vacuously).
    assert written_by_rows() >= {AidRequest, TimelineEntry, Notification, AuditEntry, AidCommitment}


def test_no_model_written_by_rows_has_a_save_or_init_receiver():
    assert receivers_skipped_by_rows(written_by_rows()) == set(), (
        "config.rows skips signals: write this model with the ORM, or drop the receiver"
    )


def test_a_receiver_on_a_model_written_by_rows_is_caught():
    def receiver(**kwargs: object) -> None:  # pragma: no cover - never sent here
        pass

    signals.post_save.connect(receiver, sender=TimelineEntry, weak=False)
    try:
        assert receivers_skipped_by_rows(written_by_rows()) == {("TimelineEntry", "post_save")}
    finally:
        signals.post_save.disconnect(receiver, sender=TimelineEntry)
