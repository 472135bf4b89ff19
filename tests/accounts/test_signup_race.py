"""One account per civil ID, even when the same civil ID signs up several times at once.

Real threads, each with its own database connection and its own browser session (test
client), post the sign-up form together: the database's unique civil ID lets one through; the
others are answered as a taken civil ID is, and since one SMS code per mobile number every 30
seconds is allowed, with the "too many attempts" page — never an error page, and nothing that
tells them the account exists.
"""

from functools import partial

import pytest
from django.test import Client

from accounts.models import User
from tests.concurrency import outcome, run_together

SENDERS = 8
FORM = {
    "username": "285031401239",
    "phone": "5000 1234",
    "password1": "a-long-enough-Passw0rd",
    "password2": "a-long-enough-Passw0rd",
    "language": "en",
}


@pytest.mark.django_db(transaction=True)
def test_the_same_civil_id_signing_up_at_once_makes_one_account():
    def sign_up(index: int, client: Client) -> str:
        # From different addresses: the sign-up rate limit per address is not under test.
        response = client.post("/accounts/signup/", FORM, REMOTE_ADDR=f"10.0.0.{index + 1}")
        return f"{response.status_code} {response.get('Location', '')}"

    clients = [Client(raise_request_exception=False) for _ in range(SENDERS)]
    results = run_together(*(partial(sign_up, i, client) for i, client in enumerate(clients)))
    answers = [outcome(result) for result in results]
    assert User.objects.filter(civil_id=FORM["username"]).count() == 1
    assert sorted(answers) == ["302 /accounts/phone/verify/"] + ["429 "] * (SENDERS - 1), answers


@pytest.mark.django_db
def test_a_second_sign_up_with_the_same_mobile_within_30_seconds_is_told_to_wait():
    """Families share mobiles; the SMS code limit per number is answered, not a 500."""
    first = Client().post("/accounts/signup/", FORM, REMOTE_ADDR="10.0.1.1")
    assert first.status_code == 302
    sibling = {**FORM, "username": "301070945674"}
    second = Client(raise_request_exception=False).post(
        "/accounts/signup/", sibling, REMOTE_ADDR="10.0.1.2", HTTP_COOKIE="django_language=en"
    )
    assert second.status_code == 429
    assert "please wait a few minutes before trying again" in second.content.decode()
    # The account is made (the limit is on sending the code); the mobile stays unconfirmed
    # until the person signs in and asks for a code again.
    sibling_user = User.objects.get(civil_id="301070945674")
    assert sibling_user.mobile_verified is False
    assert sibling_user.check_password(FORM["password1"])
