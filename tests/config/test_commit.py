"""config.commit.after_commit: a side effect that fails after the commit is logged, never raised."""

from __future__ import annotations

import logging
from functools import partial

import pytest
from django.db import transaction

from config.commit import after_commit, callback_name
from notifications.models import Notification, NotificationKind
from notifications.services import notify
from tests.factories import AidRequestFactory

pytestmark = pytest.mark.django_db(transaction=True)


class BrokerDown(Exception):
    pass


def fail(what: str) -> None:
    raise BrokerDown(what)


def saved_notification() -> Notification:
    aid_request = AidRequestFactory()
    return notify(
        recipient=aid_request.applicant,
        kind=NotificationKind.REQUEST_SUBMITTED,
        aid_request=aid_request,
        deliver=False,
    )


@pytest.mark.parametrize(
    "register",
    [
        pytest.param(lambda: after_commit(fail, "down"), id="function"),
        pytest.param(lambda: after_commit(partial(fail, "down")), id="partial"),
    ],
)
def test_a_callback_that_raises_after_the_commit_is_logged_and_the_change_stays(register, caplog):
    with caplog.at_level(logging.ERROR, logger="config.commit"), transaction.atomic():
        notification = saved_notification()
        register()
    # No exception reached here, and the change is committed.
    assert Notification.objects.filter(pk=notification.pk).exists()
    [record] = [r for r in caplog.records if r.name == "config.commit"]
    assert "tests.config.test_commit.fail" in record.getMessage()
    assert record.exc_info[0] is BrokerDown


def test_nothing_runs_when_the_transaction_rolls_back():
    ran = []

    def register_then_fail() -> None:
        with transaction.atomic():
            after_commit(ran.append, "sent")
            raise BrokerDown("rollback")

    with pytest.raises(BrokerDown):
        register_then_fail()
    assert ran == []


def test_the_callback_gets_its_arguments_after_the_commit():
    ran = []
    with transaction.atomic():
        after_commit(ran.append, "sent")
        assert ran == []
    assert ran == ["sent"]


def test_a_partial_is_named_by_the_function_inside_it():
    assert callback_name(partial(partial(fail, "a"))) == "tests.config.test_commit.fail"
    assert callback_name(print) == "builtins.print"
