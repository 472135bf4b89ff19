"""Shared by the account tests: an empty SMS outbox around each test, and a valid sign-up."""

import pytest

from notifications import sms

#: A sign-up form that passes every check (Kuwaiti civil ID, mobile, strong password).
SIGNUP = {
    "username": "285031401239",
    "phone": "5000 1234",
    "password1": "a-long-enough-Passw0rd",
    "password2": "a-long-enough-Passw0rd",
    "language": "en",
}


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()
