"""Steps of a request that also weigh its coverage elsewhere (``charities.coverage``).

The request's side is written by ``aid_requests.services`` (below this app) in the transaction
opened here. The views of ``aid_requests`` call these steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from aid_requests.models import AidRequest, AidType
from aid_requests.services.submission import (
    aid_request_create,
    aid_request_sent,
    aid_request_submission_check,
)
from applicants.models import Document, HouseholdMember
from benefits.income import verified_income_at_submission
from charities.services.covered import aid_request_check_coverage


def aid_request_submit(
    *,
    applicant: User,
    aid_type: AidType,
    amount: Decimal,
    justification: str,
    documents: Iterable[Document] = (),
    uploads: Sequence[tuple[str, UploadedFile]] = (),
    ip_address: str | None = None,
    submission_key: str | None = None,
    beneficiary: HouseholdMember | None = None,
) -> AidRequest:
    """Submit a request and screen it at once (submitted → screened → open | ineligible); an
    open request whose people all hold this aid type elsewhere leaves the queues at once.

    A form sent twice (the same ``submission_key``) makes one request: the first is returned.
    Every check that can refuse the submission runs before any file is stored (see
    ``aid_requests.services.submission``). Then the state agencies are asked about the
    household (``benefits.income``: an HTTP call, so before the transaction; an agency that
    does not answer leaves the records already held, and the submission goes on). The request
    is then made, screened (with the verified income) and weighed in one transaction.
    """
    if submission_key:
        sent = aid_request_sent(applicant=applicant, submission_key=submission_key)
        if sent is not None:
            return sent
    submission = aid_request_submission_check(
        applicant=applicant,
        aid_type=aid_type,
        amount=amount,
        justification=justification,
        documents=documents,
        uploads=uploads,
        ip_address=ip_address,
        submission_key=submission_key,
        beneficiary=beneficiary,
    )
    verified = verified_income_at_submission(applicant=applicant, aid_type=aid_type)
    with transaction.atomic(durable=True):
        aid_request, created = aid_request_create(submission=submission, verified=verified)
        if created:
            # Everyone it covers already holds this aid type elsewhere: out of the queue at
            # once (an open request only; its row is this transaction's own, not yet committed).
            aid_request_check_coverage(aid_request)
    return aid_request
