"""The case page's reads (issue 19): the case file, one query compiled once, and the page's
lists, read together in one round trip. The holding rule is ``selectors.held_requests``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import router
from django.db.models import Exists, OuterRef
from django.http import Http404

from accounts.models import User
from aid_requests.models import AidRequest, CaseMessage, Payment, TimelineEntry
from applicants.models import ApplicantProfile, Document
from applicants.selectors import HouseholdRows, household_reads
from charities.models import Organisation
from charities.selectors import held_requests, organisation_for_staff
from config.rows import PreparedQuery, RowsWhere, read_together
from dedup.selectors import open_conflicts_of_cases

#: What the case page reads with a case (``get_case_file_for_staff``): the case's every column
#: (the page shows most of them), of the rows joined to it only what the page shows.
CASE_FILE_FIELDS = (
    *(field.name for field in AidRequest._meta.concrete_fields),
    "aid_type__name_ar",
    "aid_type__name_en",
    "aid_type__scope",
    "aid_type__coverage_months",
    "aid_type__max_amount",
    "applicant__full_name",
    "applicant__civil_id",
    "applicant__mobile",
    "applicant__applicant_profile__user",
    "applicant__applicant_profile__name_ar",
    "applicant__applicant_profile__name_en",
    "applicant__applicant_profile__is_protected",
    "applicant__applicant_profile__area",
    "applicant__applicant_profile__address",
    "applicant__applicant_profile__governorate__name_ar",
    "applicant__applicant_profile__governorate__name_en",
    "beneficiary_member__name",
    "beneficiary_member__kinship",
)


def get_case_file_for_staff(user: User, pk: int) -> tuple[AidRequest, Organisation]:
    """``get_case_for_staff`` for the case page: the same rule (404 for a case this
    organisation does not hold), one query that reads only what the page shows
    (``CASE_FILE_FIELDS``) and whether the case has open coverage conflicts
    (``has_open_conflicts``: the page reads them only then; issue 19)."""
    organisation = organisation_for_staff(user)
    if organisation is None:
        raise Http404
    # The ORM's query, compiled once (``config.rows.PreparedQuery``): building and compiling
    # it was a quarter of the page's CPU (issue 19); the holding rule is still ``held_requests``.
    found = _CASE_FILE.run(organisation.pk, pk, using=router.db_for_read(AidRequest))
    if not found:
        raise Http404
    return found[0], organisation


_CASE_FILE = PreparedQuery(
    lambda organisation, pk: (
        held_requests(Organisation(pk=organisation))
        .select_related(
            "aid_type", "applicant__applicant_profile__governorate", "beneficiary_member"
        )
        .only(*CASE_FILE_FIELDS)
        .annotate(has_open_conflicts=Exists(open_conflicts_of_cases(OuterRef("pk"))))
        .filter(pk=pk)[:1]
    ),
    arity=2,
)


@dataclass(frozen=True)
class CaseLists:
    """The lists of a case's page: its payments and timeline (in order), its documents, its
    messages (oldest first; of the sender only the name: the page shows no more of the
    account) and the applicant's household."""

    payments: list[Payment]
    timeline: list[TimelineEntry]
    documents: list[Document]
    messages: list[CaseMessage]
    household: HouseholdRows


def case_lists(aid_request: AidRequest, profile: ApplicantProfile | None) -> CaseLists:
    """The lists of the case's page, read together: seven statements, one round trip on
    PostgreSQL (``config.rows.read_together``; issue 19). The documents' and messages'
    queries are the ORM's, compiled once."""
    payments, timeline, documents, messages, *household = read_together(
        RowsWhere(Payment, "aid_request", aid_request.pk, ("period", "id"), aid_request),
        RowsWhere(TimelineEntry, "aid_request", aid_request.pk, ("at", "id"), aid_request),
        _CASE_DOCUMENTS.read(aid_request.pk),
        _CASE_MESSAGES.read(aid_request.pk),
        *household_reads(profile),
    )
    for message in messages:
        _MESSAGE_REQUEST.set_cached_value(message, aid_request)
    return CaseLists(
        payments=payments,
        timeline=timeline,
        documents=documents,
        messages=messages,
        household=HouseholdRows.of(household),
    )


_CASE_DOCUMENTS = PreparedQuery(lambda pk: Document.objects.filter(aid_requests=pk))
_CASE_MESSAGES = PreparedQuery(
    lambda pk: (
        CaseMessage.objects.filter(aid_request=pk)
        .select_related("sender")
        .only("aid_request_id", "body", "sent_at", "sender", "sender__full_name")
    )
)
_MESSAGE_REQUEST = CaseMessage._meta.get_field("aid_request")
