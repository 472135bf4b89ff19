"""Steps of a request that also free the aid slots it holds: one durable transaction each.

The request's side is written by ``aid_requests.services`` (below this app) in the transaction
opened here; freeing the slots (``commitments_release``) is this app's side. The views of
``aid_requests`` call these steps.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from aid_requests.models import AidRequest, Appeal
from aid_requests.services.appeals import appeal_decision_check, appeal_decision_record
from aid_requests.services.lifecycle import aid_request_mark_withdrawn
from dedup.services import commitments_release


def aid_request_withdraw(*, aid_request_id: int, applicant: User, note: str = "") -> AidRequest:
    """The applicant withdraws a request that is not yet approved; a withdrawn claim frees the
    aid slots it held."""
    with transaction.atomic(durable=True):
        aid_request = aid_request_mark_withdrawn(
            aid_request_id=aid_request_id, applicant=applicant, note=note
        )
        commitments_release(aid_request_id=aid_request.pk)
    return aid_request


def appeal_decide(*, appeal_id: int, decided_by: User, overturn: bool, note: str) -> Appeal:
    """A ministry administrator upholds the decision or overturns it, giving the reason (see
    ``aid_requests.services.appeals.appeal_decision_record``).

    Overturning reopens the request with nobody holding it: no aid slot stays reserved for a
    former holder (a charity that rejected it). Recorded payments stay.
    """
    note = appeal_decision_check(decided_by=decided_by, note=note)
    with transaction.atomic(durable=True):
        appeal = appeal_decision_record(
            appeal_id=appeal_id, decided_by=decided_by, overturn=overturn, note=note
        )
        if overturn:
            # After the appeal and its request are locked (their lock order), in the same
            # transaction: a refusal of the reopening rolls the release back with it.
            commitments_release(aid_request_id=appeal.aid_request_id)
    return appeal
