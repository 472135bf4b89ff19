"""Services of the profile, against the real database, with their audit entries."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError

from accounts.civil_id import parse_civil_id
from accounts.models import Role
from aid_requests.models import HELD_STATUSES, RequestStatus
from applicants.exceptions import (
    EmailTakenError,
    InvalidValueError,
    ItemGoneError,
    MemberError,
    ProfileMissingError,
)
from applicants.models import (
    ApplicantProfile,
    ChangeKind,
    HouseholdMember,
    IncomeSource,
    MonthlyObligation,
    PossibleDuplicate,
    ProfileChange,
    ReviewStatus,
)
from applicants.selectors import Step
from applicants.services import details, money
from audit.models import AuditEntry
from dedup import household_steps
from tests.factories import (
    AidRequestFactory,
    ApplicantProfileFactory,
    ApplicantUserFactory,
    GovernorateFactory,
    HouseholdMemberFactory,
    OrganisationFactory,
    StaffUserFactory,
    civil_id_for,
)
from tests.factories.applicants import IncomeSourceFactory, MonthlyObligationFactory

pytestmark = pytest.mark.django_db


def actions():
    return list(AuditEntry.objects.values_list("action", flat=True))


def personal(**overrides):
    values = {
        "name_ar": "محمد العنزي",
        "name_en": "Mohammad Al-Enezi",
        "gender": "m",
        "nationality": "الكويت",
        "governorate": GovernorateFactory(),
        "area": "الروضة",
        "address": "قطعة 3",
        "mobile": "+96551234567",
        "email": "",
    }
    return values | overrides


def member(**overrides):
    values = {
        "civil_id": civil_id_for(900),
        "name": "سارة",
        "kinship": "daughter",
        "birth_date": None,
        "has_disability": False,
        "is_student": True,
    }
    return values | overrides


def hold(user):
    """A charity holds one of ``user``'s requests: profile changes are kept from now on."""
    return AidRequestFactory(
        applicant=user, status=RequestStatus.CLAIMED, claimed_by=OrganisationFactory()
    )


# --- personal details ---------------------------------------------------------------------


def test_first_save_creates_the_profile_with_the_birth_date_of_the_civil_id():
    user = ApplicantUserFactory()
    profile = details.applicant_profile_save(
        actor=user, **personal(email="Me@Example.test"), held_statuses=HELD_STATUSES
    )
    user.refresh_from_db()
    assert profile.birth_date == parse_civil_id(user.civil_id).birth_date
    assert (user.mobile, user.email) == ("+96551234567", "Me@Example.test")
    entry = AuditEntry.objects.get(action="applicant_profile.create")
    assert (entry.actor, entry.applicant_id, entry.object_id) == (user, user.pk, str(profile.pk))


def test_saving_again_updates_and_audits_the_changed_fields():
    user = ApplicantUserFactory()
    details.applicant_profile_save(actor=user, **personal(), held_statuses=HELD_STATUSES)
    details.applicant_profile_save(
        actor=user, **personal(area="السالمية"), held_statuses=HELD_STATUSES
    )
    assert ApplicantProfile.objects.get(user=user).area == "السالمية"
    entry = AuditEntry.objects.get(action="applicant_profile.update")
    # governorate differs too: personal() makes a new one each call
    assert "area" in entry.data["fields"]


def test_an_e_mail_of_another_account_is_refused_and_nothing_changes():
    StaffUserFactory(email="taken@example.test")
    user = ApplicantUserFactory()
    with pytest.raises(EmailTakenError):
        details.applicant_profile_save(
            actor=user, **personal(email="TAKEN@example.test"), held_statuses=HELD_STATUSES
        )
    assert not ApplicantProfile.objects.filter(user=user).exists()
    assert actions() == []


def test_an_empty_e_mail_is_stored_as_none_so_many_applicants_can_have_none():
    first, second = ApplicantUserFactory(), ApplicantUserFactory()
    details.applicant_profile_save(actor=first, **personal(email=""), held_statuses=HELD_STATUSES)
    details.applicant_profile_save(actor=second, **personal(email=""), held_statuses=HELD_STATUSES)
    first.refresh_from_db()
    assert first.email is None


def test_a_new_mobile_is_no_longer_confirmed_and_an_unchanged_one_stays_confirmed():
    user = ApplicantUserFactory(mobile="+96551234567", mobile_verified=True)
    details.applicant_profile_save(
        actor=user, **personal(mobile="+96551234567"), held_statuses=HELD_STATUSES
    )
    user.refresh_from_db()
    assert user.mobile_verified is True
    details.applicant_profile_save(
        actor=user, **personal(mobile="+96599887766"), held_statuses=HELD_STATUSES
    )
    user.refresh_from_db()
    assert (user.mobile, user.mobile_verified) == ("+96599887766", False)


def test_a_mobile_that_is_not_normalised_is_refused():
    user = ApplicantUserFactory()
    with pytest.raises(InvalidValueError):
        details.applicant_profile_save(
            actor=user, **personal(mobile="22001234"), held_statuses=HELD_STATUSES
        )
    assert not ApplicantProfile.objects.filter(user=user).exists()


def test_a_new_applicant_already_listed_as_member_elsewhere_is_flagged():
    user = ApplicantUserFactory()
    listing = HouseholdMemberFactory(civil_id=user.civil_id)
    profile = details.applicant_profile_save(actor=user, **personal(), held_statuses=HELD_STATUSES)
    duplicate = PossibleDuplicate.objects.get()
    assert (duplicate.profile, duplicate.member, duplicate.other_member) == (
        profile,
        None,
        listing,
    )
    assert duplicate.other_applicant == listing.profile.user
    assert "possible_duplicate.detect" in actions()


def test_steps_are_confirmed_once(profile):
    details.applicant_profile_step_confirm(actor=profile.user, step=Step.HOUSEHOLD)
    first = ApplicantProfile.objects.get(pk=profile.pk).household_confirmed_at
    details.applicant_profile_step_confirm(actor=profile.user, step=Step.HOUSEHOLD)
    assert ApplicantProfile.objects.get(pk=profile.pk).household_confirmed_at == first
    assert actions() == ["applicant_profile.step_confirm"]


def test_list_steps_need_a_profile_first():
    with pytest.raises(ProfileMissingError):
        details.applicant_profile_step_confirm(actor=ApplicantUserFactory(), step=Step.INCOMES)
    with pytest.raises(ProfileMissingError):
        household_steps.household_member_add(actor=ApplicantUserFactory(), **member())


# --- household members --------------------------------------------------------------------


def test_member_is_added_with_the_birth_date_of_the_civil_id(profile):
    saved = household_steps.household_member_add(actor=profile.user, **member())
    assert saved.listed_elsewhere is False
    assert saved.member.birth_date == parse_civil_id(civil_id_for(900)).birth_date
    entry = AuditEntry.objects.get(action="household_member.add")
    assert entry.object_id == str(saved.member.pk)
    assert entry.data["civil_id"] == "…" + civil_id_for(900)[-4:]


def test_a_given_birth_date_is_kept(profile):
    born = datetime.date(2010, 1, 2)
    saved = household_steps.household_member_add(actor=profile.user, **member(birth_date=born))
    assert saved.member.birth_date == born


def test_the_applicants_own_civil_id_cannot_be_a_member(profile):
    with pytest.raises(MemberError, match="your own civil ID"):
        household_steps.household_member_add(
            actor=profile.user, **member(civil_id=profile.user.civil_id)
        )
    assert not HouseholdMember.objects.exists()
    assert actions() == []


def test_the_same_person_twice_in_one_household_is_refused(profile):
    household_steps.household_member_add(actor=profile.user, **member())
    with pytest.raises(MemberError, match="already listed in your household"):
        household_steps.household_member_add(actor=profile.user, **member(name="again"))
    assert HouseholdMember.objects.count() == 1


def test_the_database_refuses_the_same_person_twice_too(profile):
    HouseholdMemberFactory(profile=profile, civil_id=civil_id_for(5))
    with pytest.raises(IntegrityError):
        HouseholdMemberFactory(profile=profile, civil_id=civil_id_for(5))


def test_an_invalid_civil_id_is_refused_with_its_reason(profile):
    with pytest.raises(MemberError, match="check digit"):
        household_steps.household_member_add(actor=profile.user, **member(civil_id="285031401230"))


def test_a_person_in_another_household_is_saved_and_flagged_for_the_ministry(profile):
    theirs = HouseholdMemberFactory(civil_id=civil_id_for(900))
    saved = household_steps.household_member_add(actor=profile.user, **member())
    assert saved.listed_elsewhere is True
    assert HouseholdMember.objects.filter(pk=saved.member.pk).exists()
    duplicate = PossibleDuplicate.objects.get()
    assert duplicate.civil_id == civil_id_for(900)
    assert duplicate.profile == profile
    assert duplicate.member == saved.member
    assert duplicate.other_profile == theirs.profile
    assert duplicate.other_member == theirs
    assert duplicate.other_applicant == theirs.profile.user
    assert duplicate.detected_by == profile.user
    assert duplicate.status == ReviewStatus.OPEN
    assert duplicate.detected_at is not None
    entry = AuditEntry.objects.get(action="possible_duplicate.detect")
    assert entry.data["other_profile"] == theirs.profile.pk


def test_a_person_in_an_inactive_household_is_not_flagged(profile):
    theirs = HouseholdMemberFactory(civil_id=civil_id_for(900))
    theirs.profile.user.is_active = False
    theirs.profile.user.save()
    saved = household_steps.household_member_add(actor=profile.user, **member())
    assert saved.listed_elsewhere is False
    assert not PossibleDuplicate.objects.exists()


def test_a_member_who_is_an_applicant_with_their_own_household_is_flagged(profile):
    heads_own = ApplicantProfileFactory()
    saved = household_steps.household_member_add(
        actor=profile.user, **member(civil_id=heads_own.user.civil_id, kinship="spouse")
    )
    assert saved.listed_elsewhere is True
    duplicate = PossibleDuplicate.objects.get()
    assert duplicate.other_applicant == heads_own.user
    assert duplicate.other_profile == heads_own
    assert duplicate.other_member is None


def test_adding_a_flagged_person_again_keeps_one_open_review(profile):
    HouseholdMemberFactory(civil_id=civil_id_for(900))
    first = household_steps.household_member_add(actor=profile.user, **member())
    household_steps.household_member_remove(actor=profile.user, member=first.member)
    second = household_steps.household_member_add(actor=profile.user, **member())
    duplicate = PossibleDuplicate.objects.get()
    assert duplicate.member == second.member


def test_changing_a_civil_id_is_checked_like_a_new_member(profile):
    saved = household_steps.household_member_add(actor=profile.user, **member())
    theirs = HouseholdMemberFactory(civil_id=civil_id_for(901))
    updated = household_steps.household_member_update(
        actor=profile.user, member=saved.member, **member(civil_id=civil_id_for(901))
    )
    assert updated.listed_elsewhere is True
    assert PossibleDuplicate.objects.get().other_member == theirs
    assert "household_member.update" in actions()


def test_editing_a_member_without_changing_the_civil_id_flags_nothing_new(profile):
    HouseholdMemberFactory(civil_id=civil_id_for(900))
    saved = household_steps.household_member_add(actor=profile.user, **member())
    updated = household_steps.household_member_update(
        actor=profile.user, member=saved.member, **member(name="سارة محمد")
    )
    assert updated.listed_elsewhere is False
    assert updated.member.name == "سارة محمد"
    assert PossibleDuplicate.objects.count() == 1
    entry = AuditEntry.objects.get(action="household_member.update")
    assert entry.data["fields"] == ["name"]


def test_a_member_cannot_be_changed_to_the_applicant(profile):
    saved = household_steps.household_member_add(actor=profile.user, **member())
    with pytest.raises(MemberError):
        household_steps.household_member_update(
            actor=profile.user, member=saved.member, **member(civil_id=profile.user.civil_id)
        )
    assert HouseholdMember.objects.get().civil_id == civil_id_for(900)


def test_removing_a_member_is_audited(profile):
    saved = household_steps.household_member_add(actor=profile.user, **member())
    household_steps.household_member_remove(actor=profile.user, member=saved.member)
    assert not HouseholdMember.objects.exists()
    assert actions()[-1] == "household_member.remove"


def test_removing_a_member_twice_says_it_is_gone(profile):
    saved = household_steps.household_member_add(actor=profile.user, **member())
    household_steps.household_member_remove(actor=profile.user, member=saved.member)
    with pytest.raises(ItemGoneError):
        household_steps.household_member_remove(actor=profile.user, member=saved.member)


# --- income and obligations ---------------------------------------------------------------


def test_income_sources_are_added_changed_and_removed_with_audit(profile):
    user = profile.user
    income = money.income_source_add(
        actor=user, kind="salary", amount=Decimal("850.500"), held_statuses=HELD_STATUSES
    )
    money.income_source_update(
        actor=user,
        income=income,
        kind="salary",
        amount=Decimal("900.000"),
        held_statuses=HELD_STATUSES,
    )
    assert IncomeSource.objects.get().amount == Decimal("900.000")
    money.income_source_remove(actor=user, income=income, held_statuses=HELD_STATUSES)
    assert not IncomeSource.objects.exists()
    assert actions() == ["income_source.add", "income_source.update", "income_source.remove"]
    assert AuditEntry.objects.get(action="income_source.update").data == {"fields": ["amount"]}


def test_obligations_are_added_changed_and_removed_with_audit(profile):
    user = profile.user
    row = money.monthly_obligation_add(
        actor=user, kind="rent", amount=Decimal("350"), held_statuses=HELD_STATUSES
    )
    money.monthly_obligation_update(
        actor=user, obligation=row, kind="loans", amount=Decimal("350"), held_statuses=HELD_STATUSES
    )
    money.monthly_obligation_remove(actor=user, obligation=row, held_statuses=HELD_STATUSES)
    assert not MonthlyObligation.objects.exists()
    assert actions() == [
        "monthly_obligation.add",
        "monthly_obligation.update",
        "monthly_obligation.remove",
    ]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1.000", "negative"),
        ("0", "at least 0.001"),
        ("0.0004", "at least 0.001"),
        ("100000.001", "100,000"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_saved(profile, amount, message):
    with pytest.raises(InvalidValueError, match=message):
        money.income_source_add(
            actor=profile.user, kind="salary", amount=Decimal(amount), held_statuses=HELD_STATUSES
        )
    with pytest.raises(InvalidValueError, match=message):
        money.monthly_obligation_add(
            actor=profile.user, kind="rent", amount=Decimal(amount), held_statuses=HELD_STATUSES
        )
    assert not IncomeSource.objects.exists()
    assert not MonthlyObligation.objects.exists()
    assert actions() == []


def test_an_update_to_a_bad_amount_changes_nothing(profile):
    income = IncomeSourceFactory(profile=profile, amount=Decimal("100"))
    with pytest.raises(InvalidValueError):
        money.income_source_update(
            actor=profile.user,
            income=income,
            kind="salary",
            amount=Decimal("-3"),
            held_statuses=HELD_STATUSES,
        )
    assert IncomeSource.objects.get().amount == Decimal("100")


@pytest.mark.parametrize("amount", ["0", "-1", "100000.001"])
@pytest.mark.parametrize("factory", [IncomeSourceFactory, MonthlyObligationFactory])
def test_the_database_refuses_amounts_out_of_range(factory, amount):
    with pytest.raises(IntegrityError):
        factory(amount=Decimal(amount))


def test_the_largest_plausible_amount_is_accepted(profile):
    money.income_source_add(
        actor=profile.user, kind="business", amount=Decimal("100000"), held_statuses=HELD_STATUSES
    )
    money.income_source_add(
        actor=profile.user, kind="other", amount=Decimal("0.001"), held_statuses=HELD_STATUSES
    )
    assert IncomeSource.objects.count() == 2


# --- history once a charity holds a request -----------------------------------------------


def test_no_history_is_kept_before_a_claim(profile):
    AidRequestFactory(applicant=profile.user, status=RequestStatus.OPEN)
    money.income_source_add(
        actor=profile.user, kind="salary", amount=Decimal("10"), held_statuses=HELD_STATUSES
    )
    household_steps.household_member_add(actor=profile.user, **member())
    assert not ProfileChange.objects.exists()


@pytest.mark.parametrize(
    "status",
    [RequestStatus.CLAIMED, RequestStatus.APPROVED, RequestStatus.PAYING, RequestStatus.CLOSED],
)
def test_every_held_status_keeps_history(profile, status):
    AidRequestFactory(applicant=profile.user, status=status, claimed_by=OrganisationFactory())
    money.income_source_add(
        actor=profile.user, kind="salary", amount=Decimal("10"), held_statuses=HELD_STATUSES
    )
    assert ProfileChange.objects.count() == 1


def test_after_a_claim_every_change_is_recorded_with_old_and_new_values(profile):
    user = profile.user
    hold(user)
    governorate = profile.governorate
    details.applicant_profile_save(
        actor=user,
        **personal(
            name_ar=profile.name_ar,
            name_en=profile.name_en,
            governorate=governorate,
            nationality=profile.nationality,
            area="الجهراء",
            address=profile.address,
            mobile="+96566666666",
        ),
        held_statuses=HELD_STATUSES,
    )
    saved = household_steps.household_member_add(actor=user, **member())
    household_steps.household_member_update(
        actor=user, member=saved.member, **member(is_student=False)
    )
    household_steps.household_member_remove(actor=user, member=saved.member)
    income = money.income_source_add(
        actor=user, kind="salary", amount=Decimal("500"), held_statuses=HELD_STATUSES
    )
    money.income_source_update(
        actor=user, income=income, kind="salary", amount=Decimal("450"), held_statuses=HELD_STATUSES
    )

    changes = list(
        ProfileChange.objects.values_list("model", "kind", "field", "old_value", "new_value")
    )
    assert (
        "applicants.applicantprofile",
        ChangeKind.UPDATED,
        "area",
        "الروضة",
        "الجهراء",
    ) in changes
    assert (
        "accounts.user",
        ChangeKind.UPDATED,
        "mobile",
        "+96551234567",
        "+96566666666",
    ) in changes
    assert ("applicants.householdmember", ChangeKind.UPDATED, "is_student", True, False) in changes
    assert (
        "applicants.incomesource",
        ChangeKind.UPDATED,
        "amount",
        "500.000",
        "450.000",
    ) in changes
    added = ProfileChange.objects.get(model="applicants.householdmember", kind=ChangeKind.ADDED)
    assert added.new_value["civil_id"] == civil_id_for(900)
    assert added.old_value is None
    removed = ProfileChange.objects.get(model="applicants.householdmember", kind=ChangeKind.REMOVED)
    assert removed.old_value["name"] == "سارة"
    assert removed.new_value is None
    assert set(ProfileChange.objects.values_list("changed_by", flat=True)) == {user.pk}
    assert all(change.changed_at for change in ProfileChange.objects.all())
    # unchanged fields leave no trace
    assert not ProfileChange.objects.filter(field="name_ar").exists()


def test_charity_staff_holding_the_case_are_not_applicants():
    # The history belongs to the applicant's profile; the staff role cannot even have one.
    staff = StaffUserFactory(role=Role.CASEWORKER)
    with pytest.raises(ProfileMissingError):
        money.income_source_add(
            actor=staff, kind="salary", amount=Decimal("1"), held_statuses=HELD_STATUSES
        )
