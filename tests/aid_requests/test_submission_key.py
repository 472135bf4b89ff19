"""A request form sent twice makes one request, also when screening finds it ineligible.

The one-live-request rule does not cover ineligible requests (they are not live), so without the
form's key a double click made two. The key is a hidden field with a new random value each time
the form is shown; the unique constraint (applicant, submission key) holds it.
"""

from __future__ import annotations

import secrets

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from aid_requests.models import AidRequest, RequestStatus
from tests.concurrency import outcome, run_together
from tests.factories.applicants import make_ready_applicant

NEW = "/requests/new/rent-allowance/"
SENDERS = 4


def _ineligible_applicant():
    # 1,000 KWD for one person is above the rent allowance's 150 KWD a head: ineligible.
    return make_ready_applicant(income="1000", obligations="0", members=1)


def _form(docs, key):
    return {
        "submission_key": key,
        "amount": "900.000",
        "justification": "تأخرنا في دفع الإيجار",
        "documents": [d.pk for d in docs],
    }


def _signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.django_db
def test_the_form_carries_a_new_random_key_each_time(client, ready):
    user, _docs = ready
    client.force_login(user)
    first = client.get(NEW).context["form"].initial["submission_key"]
    second = client.get(NEW).context["form"].initial["submission_key"]
    assert first != second
    assert len(first) >= 16
    assert f'name="submission_key" value="{second}"' not in client.get(NEW).content.decode()
    third = client.get(NEW)
    key = third.context["form"].initial["submission_key"]
    assert f'type="hidden" name="submission_key" value="{key}"' in third.content.decode()


@pytest.mark.django_db
def test_an_ineligible_request_sent_twice_makes_one_request(media, rent_allowance):
    user, docs = _ineligible_applicant()
    client = _signed_in(user)
    data = _form(docs, secrets.token_urlsafe(24))

    first = client.post(NEW, data)
    second = client.post(NEW, data)

    aid_request = AidRequest.objects.get(applicant=user)
    assert aid_request.status == RequestStatus.INELIGIBLE
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/requests/{aid_request.pk}/"


@pytest.mark.django_db
def test_a_new_form_after_an_ineligible_request_makes_a_new_request(media, rent_allowance):
    user, docs = _ineligible_applicant()
    client = _signed_in(user)
    client.post(NEW, _form(docs, secrets.token_urlsafe(24)))
    client.post(NEW, _form(docs, secrets.token_urlsafe(24)))
    assert AidRequest.objects.filter(applicant=user).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "", "short", "no spaces allowed in this key!!"])
def test_a_form_without_a_valid_key_is_refused_with_a_message(media, rent_allowance, key):
    user, docs = _ineligible_applicant()
    data = _form(docs, key)
    if key is None:
        del data["submission_key"]
    response = _signed_in(user).post(NEW, data)
    assert response.status_code == 200
    assert "This form is out of date: reload the page and send it again." in (
        response.content.decode()
    )
    assert not AidRequest.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_second_request_with_the_same_key(media, rent_allowance):
    user, docs = _ineligible_applicant()
    client = _signed_in(user)
    client.post(NEW, _form(docs, "k" * 24))
    first = AidRequest.objects.get()
    with (
        pytest.raises(IntegrityError, match="submission_key"),
        transaction.atomic(),
    ):
        AidRequest.objects.create(
            applicant=user,
            aid_type=first.aid_type,
            amount_requested=first.amount_requested,
            justification="x",
            status=RequestStatus.INELIGIBLE,
            governorate=first.governorate,
            household_size=1,
            coverage_start=first.coverage_start,
            coverage_end=first.coverage_end,
            submitted_at=first.submitted_at,
            submission_key="k" * 24,
        )


@pytest.mark.django_db(transaction=True)
def test_an_ineligible_request_sent_several_times_at_once_makes_one_request(media, rent_allowance):
    user, docs = _ineligible_applicant()
    data = _form(docs, secrets.token_urlsafe(24))
    clients = [_signed_in(user) for _ in range(SENDERS)]

    def send(client: Client) -> str:
        response = client.post(NEW, data)
        return f"{response.status_code} {response.get('Location', '')}"

    results = run_together(*(lambda c=c: send(c) for c in clients))

    aid_request = AidRequest.objects.get(applicant=user)
    assert aid_request.status == RequestStatus.INELIGIBLE
    assert [outcome(r) for r in results] == [f"302 /requests/{aid_request.pk}/"] * SENDERS
