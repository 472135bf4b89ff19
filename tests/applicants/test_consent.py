"""The privacy consent step: a plain notice, a checkbox, a timestamp; no consent, no request."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from aid_requests.exceptions import ProfileIncomplete
from aid_requests.models import AidRequest
from applicants import selectors
from applicants.exceptions import ProfileMissingError
from applicants.models import ApplicantProfile
from applicants.selectors import Step
from applicants.services import details
from audit.models import AuditEntry
from charities.request_steps import aid_request_submit
from tests.factories import AidTypeFactory, ApplicantUserFactory
from tests.factories.applicants import ReadyProfileFactory

pytestmark = pytest.mark.django_db
URL = "/apply/profile/consent/"


@pytest.fixture
def unconsented():
    """Everything done but the consent."""
    return ReadyProfileFactory(consented_at=None)


def steps_done(html):
    return dict(re.findall(r'data-testid="step-(\d)"\s+data-done="(yes|no)"', html))


def test_the_url_is_the_consent_step():
    assert reverse("applicants:consent") == URL


def test_the_notice_says_what_is_collected_who_sees_it_and_that_views_are_logged(
    client, unconsented
):
    client.force_login(unconsented.user)
    html = client.get(URL).content.decode()
    notice = html[html.index('data-testid="privacy-notice"') :]
    for expected in (
        "What we collect",
        "income",
        "documents you upload",
        "The ministry",
        "Only the one charity that takes up (claims) your case",
        "protected applicant, your contact details are hidden",
        "it is logged",
    ):
        assert expected in notice, expected
    assert 'name="agree"' in html
    assert "Step 6 of 7" in html


def test_without_the_tick_nothing_is_recorded(client, unconsented):
    client.force_login(unconsented.user)
    response = client.post(URL, {})
    assert response.status_code == 200
    assert "Tick the box to agree" in " ".join(response.context["form"].errors["agree"])
    unconsented.refresh_from_db()
    assert unconsented.consented_at is None
    assert not AuditEntry.objects.filter(action="applicant_profile.consent").exists()


def test_agreeing_records_the_time_and_completes_the_profile(client, unconsented):
    client.force_login(unconsented.user)
    before = client.get(reverse("applicants:review")).content.decode()
    assert steps_done(before)["6"] == "no"
    assert "Some steps are not complete yet" in before

    response = client.post(URL, {"agree": "on"})

    assert response["Location"] == reverse("applicants:review")
    unconsented.refresh_from_db()
    assert unconsented.consented_at is not None
    entry = AuditEntry.objects.get(action="applicant_profile.consent")
    assert (entry.actor, entry.applicant_id) == (unconsented.user, unconsented.user.pk)
    after = client.get(reverse("applicants:review")).content.decode()
    assert set(steps_done(after).values()) == {"yes"}
    assert "Your profile is complete" in after
    assert 'data-testid="consent-given"' in client.get(URL).content.decode()


def test_agreeing_twice_keeps_the_first_agreement(client, unconsented):
    client.force_login(unconsented.user)
    client.post(URL, {"agree": "on"})
    first = ApplicantProfile.objects.get(pk=unconsented.pk).consented_at
    response = client.post(URL, {"agree": "on"})
    assert response.status_code == 302
    assert ApplicantProfile.objects.get(pk=unconsented.pk).consented_at == first
    assert AuditEntry.objects.filter(action="applicant_profile.consent").count() == 1


def test_the_service_needs_a_profile():
    with pytest.raises(ProfileMissingError):
        details.applicant_profile_consent(actor=ApplicantUserFactory())


def test_the_consent_step_comes_after_the_documents(client, unconsented):
    assert selectors.next_step(Step.DOCUMENTS) == Step.CONSENT
    client.force_login(unconsented.user)
    response = client.post(reverse("applicants:step_confirm", args=["documents"]))
    assert response["Location"] == URL
    # "continue" is not how consent is given: only the ticked box is.
    assert client.post(reverse("applicants:step_confirm", args=["consent"])).status_code == 404


def test_without_consent_a_request_cannot_be_submitted(unconsented):
    aid_type = AidTypeFactory(required_documents=[], max_income_per_capita=None)
    with pytest.raises(ProfileIncomplete):
        aid_request_submit(
            applicant=unconsented.user,
            aid_type=aid_type,
            amount=Decimal("100.000"),
            justification="",
        )
    assert not AidRequest.objects.exists()

    details.applicant_profile_consent(actor=unconsented.user)
    aid_request = aid_request_submit(
        applicant=unconsented.user,
        aid_type=aid_type,
        amount=Decimal("100.000"),
        justification="",
    )
    assert AidRequest.objects.get() == aid_request
