"""Reads: per-capita income, the steps, and the one access rule per object type."""

from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from aid_requests import selectors as aid_selectors
from applicants import selectors
from applicants.selectors import Step
from tests.factories import ApplicantProfileFactory, HouseholdMemberFactory
from tests.factories.applicants import (
    DocumentFactory,
    IncomeSourceFactory,
    MonthlyObligationFactory,
)

D = Decimal


@pytest.mark.parametrize(
    ("incomes", "obligations", "size", "expected"),
    [
        # 1000 − 400 = 600 over 4 people
        (["1000.000"], ["400.000"], 4, "150.000"),
        # 750.5 + 249.5 = 1000; − 100 = 900; ÷ 3 = 300
        (["750.500", "249.500"], ["100.000"], 3, "300.000"),
        # 100 ÷ 3 = 33.3333… → 33.333
        (["100.000"], [], 3, "33.333"),
        # 200 ÷ 3 = 66.6666… → 66.667 (half up)
        (["200.000"], [], 3, "66.667"),
        # 0.005 ÷ 2 = 0.0025 → 0.003 (half up, not banker's 0.002)
        (["0.005"], [], 2, "0.003"),
        # obligations above income: 300 − 500 = −200 over 2
        (["300.000"], ["500.000"], 2, "-100.000"),
        # nothing declared, living alone
        ([], [], 1, "0.000"),
    ],
)
def test_per_capita_income_matches_hand_computed_examples(incomes, obligations, size, expected):
    result = selectors.per_capita_income(
        incomes=[D(x) for x in incomes],
        obligations=[D(x) for x in obligations],
        household_size=size,
    )
    assert result == D(expected)


def test_per_capita_refuses_an_empty_household():
    with pytest.raises(ValueError, match="at least one person"):
        selectors.per_capita_income(incomes=[], obligations=[], household_size=0)


@pytest.mark.django_db
def test_household_finances_add_up_the_profile(django_assert_num_queries):
    profile = ApplicantProfileFactory()
    HouseholdMemberFactory.create_batch(3, profile=profile)
    IncomeSourceFactory(profile=profile, amount=D("900.000"))
    IncomeSourceFactory(profile=profile, amount=D("350.250"))
    MonthlyObligationFactory(profile=profile, amount=D("250.250"))
    IncomeSourceFactory(amount=D("9999.000"))  # someone else's
    with django_assert_num_queries(3):
        finances = selectors.household_finances(profile.user)
    assert finances.income_total == D("1250.250")
    assert finances.obligations_total == D("250.250")
    assert finances.household_size == 4
    assert finances.net_income == D("1000.000")
    assert finances.per_capita == D("250.000")  # 1000 ÷ 4


@pytest.mark.django_db
def test_household_finances_of_rows_read_already_match_the_queried_ones(django_assert_num_queries):
    profile = ApplicantProfileFactory()
    HouseholdMemberFactory.create_batch(2, profile=profile)
    IncomeSourceFactory(profile=profile, amount=D("900.000"))
    IncomeSourceFactory(profile=profile, amount=D("350.250"))
    MonthlyObligationFactory(profile=profile, amount=D("250.250"))
    user = profile.user
    members = list(selectors.members_of(user))
    incomes = list(selectors.incomes_of(user))
    obligations = list(selectors.obligations_of(user))
    with django_assert_num_queries(0):
        finances = selectors.household_finances_of(
            members=members, incomes=incomes, obligations=obligations
        )
    assert finances == selectors.household_finances(user)
    assert finances.per_capita == D("333.333")  # 1000 ÷ 3
    empty = selectors.household_finances_of(members=[], incomes=[], obligations=[])
    assert (empty.income_total, empty.household_size, empty.per_capita) == (0, 1, D("0.000"))


@pytest.mark.django_db
def test_household_finances_of_an_applicant_without_anything():
    profile = ApplicantProfileFactory()
    finances = selectors.household_finances(profile.user)
    assert (finances.household_size, finances.per_capita) == (1, D("0.000"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("getter", "factory"),
    [
        (selectors.get_member_for_user, HouseholdMemberFactory),
        (selectors.get_income_for_user, IncomeSourceFactory),
        (selectors.get_obligation_for_user, MonthlyObligationFactory),
        (aid_selectors.get_document_for_user, DocumentFactory),
    ],
    ids=["member", "income", "obligation", "document"],
)
def test_objects_are_found_only_for_their_owner(getter, factory):
    row = factory()
    assert getter(row.profile.user, row.pk) == row
    stranger = ApplicantProfileFactory().user
    with pytest.raises(Http404):
        getter(stranger, row.pk)
    with pytest.raises(Http404):
        getter(row.profile.user, row.pk + 1000)


@pytest.mark.django_db
def test_lists_are_scoped_to_the_user(django_assert_num_queries):
    mine = ApplicantProfileFactory()
    IncomeSourceFactory.create_batch(3, profile=mine)
    IncomeSourceFactory()
    with django_assert_num_queries(1):
        assert len(selectors.incomes_of(mine.user)) == 3


@pytest.mark.django_db
def test_steps_start_with_personal_details_and_end_with_the_review(profile):
    user = profile.user
    assert selectors.first_incomplete_step(None, user) == Step.PERSONAL
    assert selectors.completed_steps(profile, user) == {Step.PERSONAL}
    assert selectors.first_incomplete_step(profile, user) == Step.HOUSEHOLD
    now = timezone.now()
    profile.household_confirmed_at = profile.incomes_confirmed_at = now
    assert selectors.first_incomplete_step(profile, user) == Step.OBLIGATIONS
    profile.obligations_confirmed_at = profile.documents_confirmed_at = now
    # Every list step confirmed, no consent yet: the profile is not complete.
    assert selectors.completed_steps(profile, user) == set(Step) - {Step.CONSENT, Step.REVIEW}
    assert selectors.first_incomplete_step(profile, user) == Step.CONSENT
    profile.consented_at = now
    assert selectors.completed_steps(profile, user) == set(Step)
    assert selectors.first_incomplete_step(profile, user) == Step.REVIEW


@pytest.mark.django_db
def test_personal_step_needs_a_valid_mobile(profile):
    profile.user.mobile = "+965 2200 0000"
    assert not selectors.personal_step_complete(profile, profile.user)
