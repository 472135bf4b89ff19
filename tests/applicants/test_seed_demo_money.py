"""The demo seed declares income and obligations for every applicant, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from applicants.models import ApplicantProfile, IncomeSource, MonthlyObligation

pytestmark = pytest.mark.django_db


def test_every_seeded_applicant_declares_income_and_obligations_once():
    call_command("seed_demo", stdout=StringIO())
    counts = (IncomeSource.objects.count(), MonthlyObligation.objects.count())
    applicants = User.objects.filter(role=Role.APPLICANT).count()
    assert IncomeSource.objects.values("profile").distinct().count() == applicants
    assert MonthlyObligation.objects.values("profile").distinct().count() == applicants
    call_command("seed_demo", stdout=StringIO())
    assert (IncomeSource.objects.count(), MonthlyObligation.objects.count()) == counts
    assert ApplicantProfile.objects.filter(obligations_confirmed_at__isnull=True).count() == 1
