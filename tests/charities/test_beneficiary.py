"""Charities and the beneficiary: the queue shows relation and age band only, the claim
reserves the beneficiary's civil ID, the case page names the beneficiary."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from aid_requests.models import AidRequest, AidType, Beneficiaries
from applicants.models import HouseholdMember, Kinship
from charities.exceptions import DuplicateAid
from charities.services.claim import aid_request_claim
from dedup.models import BINDING, AidCommitment
from tests.factories import civil_id_for
from tests.factories.cases import caseworker, family, open_request, student_aid_type

pytestmark = pytest.mark.django_db

CHILD = civil_id_for(5_200_001)
NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def student_aid(db) -> AidType:
    return student_aid_type(code="student-aid", beneficiaries=Beneficiaries.MEMBER)


def for_child(parent, aid_type, governorate, *, born=datetime.date(2015, 3, 1)):
    """An open request of ``parent`` for the child ``CHILD`` of their household (a daughter)."""
    child = HouseholdMember.objects.get(profile__user=parent, civil_id=CHILD)
    child.name, child.kinship, child.birth_date = "مريم", Kinship.DAUGHTER, born
    child.save()
    aid_request = open_request(parent, aid_type, governorate)
    AidRequest.objects.filter(pk=aid_request.pk).update(
        beneficiary_member=child, beneficiary_civil_id=CHILD
    )
    return aid_request


def test_a_claim_reserves_the_childs_civil_id_not_the_parents(capital, student_aid):
    parent = family(capital, [civil_id_for(5_200_002), CHILD])
    aid_request = for_child(parent, student_aid, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=caseworker([student_aid], [capital]))
    reserved = AidCommitment.objects.filter(status__in=BINDING)
    assert list(reserved.values_list("civil_id", "is_applicant")) == [(CHILD, True)]
    # The parent's own student aid is another person's: it may be claimed as well.
    own = open_request(parent, student_aid, capital)
    aid_request_claim(aid_request_id=own.pk, actor=caseworker([student_aid], [capital]))
    assert reserved.count() == 2


def test_the_other_parents_request_for_the_same_child_is_refused(capital, student_aid):
    mother = family(capital, [civil_id_for(5_200_003), CHILD])
    father = family(capital, [civil_id_for(5_200_004), CHILD])
    first, second = (for_child(p, student_aid, capital) for p in (mother, father))
    aid_request_claim(aid_request_id=first.pk, actor=caseworker([student_aid], [capital]))
    with pytest.raises(DuplicateAid):
        aid_request_claim(aid_request_id=second.pk, actor=caseworker([student_aid], [capital]))
    assert AidCommitment.objects.filter(civil_id=CHILD, status__in=BINDING).count() == 1


def test_the_queue_shows_relation_and_age_band_but_not_who(client, capital, student_aid, needy):
    parent = family(capital, [civil_id_for(5_200_005), CHILD])
    for_child(parent, student_aid, capital, born=datetime.date(2016, 9, 1))  # 9 years old
    open_request(family(capital, [civil_id_for(5_200_006)]), needy, capital)
    client.force_login(caseworker([student_aid, needy], [capital]))
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        pages = [
            client.get("/charity/queue/").content.decode(),
            client.get("/charity/queue/", headers={"HX-Request": "true"}).content.decode(),
        ]
    for page in pages:
        cells = [
            cell.split(">", 1)[1].split("</td>")[0]
            for cell in page.split('data-testid="queue-beneficiary"')[1:]
        ]
        assert sorted(cells) == ['Daughter · <span dir="ltr">6-12</span>', "The whole household"]
        for secret in ("مريم", CHILD, parent.civil_id):
            assert secret not in page


def test_each_row_of_one_page_words_its_own_beneficiary(client, capital, student_aid, needy):
    """A page words each kind of beneficiary once and reuses it (issue 19): rows that differ
    only in relation, only in age band, or in whom the aid type is for must each keep theirs."""
    people = [
        (5_200_010, 5_200_011, Kinship.DAUGHTER, datetime.date(2016, 9, 1)),  # 9
        (5_200_012, 5_200_013, Kinship.DAUGHTER, datetime.date(2015, 1, 1)),  # 11: same band
        (5_200_014, 5_200_015, Kinship.DAUGHTER, datetime.date(2006, 1, 1)),  # 20
        (5_200_016, 5_200_017, Kinship.SON, datetime.date(2006, 1, 1)),  # 20, a son
    ]
    for parent_id, member_id, kinship, born in people:
        parent = family(capital, [civil_id_for(parent_id), civil_id_for(member_id)])
        member = HouseholdMember.objects.get(profile__user=parent, civil_id=civil_id_for(member_id))
        member.kinship, member.birth_date = kinship, born
        member.save()
        request = open_request(parent, student_aid, capital)
        AidRequest.objects.filter(pk=request.pk).update(
            beneficiary_member=member, beneficiary_civil_id=member.civil_id
        )
    open_request(family(capital, [civil_id_for(5_200_018)]), student_aid, capital)
    open_request(family(capital, [civil_id_for(5_200_019)]), needy, capital)
    client.force_login(caseworker([student_aid, needy], [capital]))
    client.cookies["django_language"] = "en"
    with time_machine.travel(NOW, tick=False):
        page = client.get("/charity/queue/").content.decode()
    cells = [
        cell.split(">", 1)[1].split("</td>")[0]
        for cell in page.split('data-testid="queue-beneficiary"')[1:]
    ]
    assert sorted(cells) == sorted(
        [
            'Daughter · <span dir="ltr">6-12</span>',
            'Daughter · <span dir="ltr">6-12</span>',
            'Daughter · <span dir="ltr">18-24</span>',
            'Son · <span dir="ltr">18-24</span>',
            "The applicant",
            "The whole household",
        ]
    )


def test_the_case_page_names_the_beneficiary_once_claimed(client, capital, student_aid):
    parent = family(capital, [civil_id_for(5_200_007), CHILD])
    aid_request = for_child(parent, student_aid, capital)
    staff = caseworker([student_aid], [capital])
    aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    client.force_login(staff)
    client.cookies["django_language"] = "en"
    page = client.get(f"/charity/cases/{aid_request.pk}/").content.decode()
    cell = page.split('data-testid="beneficiary">', 1)[1].split("</dd>")[0]
    assert "مريم" in cell
    assert "Daughter" in cell
    assert CHILD in cell
