"""Passwords are hashed with Argon2id at the cost chosen for the sign-up surge."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings

from config import settings as real_settings

REAL_HASHERS = real_settings.PASSWORD_HASHERS


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_new_passwords_are_argon2id_with_owasp_parameters():
    encoded = make_password("a-long-enough-Passw0rd")
    assert encoded.startswith("argon2$argon2id$v=19$m=12288,t=3,p=1$")
    assert check_password("a-long-enough-Passw0rd", encoded)
    assert not check_password("another-Passw0rd", encoded)


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_an_old_pbkdf2_hash_still_verifies_and_is_upgraded():
    old = make_password("a-long-enough-Passw0rd", hasher="pbkdf2_sha256")
    upgraded: list[str] = []
    assert check_password("a-long-enough-Passw0rd", old, setter=upgraded.append)
    assert len(upgraded) == 1
    assert identify_hasher(make_password("x")).algorithm == "argon2"


@pytest.mark.parametrize("params", ["m=65536,t=3,p=4", "m=102400,t=2,p=8"])
@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_argon2_hashes_with_other_parameters_are_rehashed_at_sign_in(params):
    from argon2 import PasswordHasher

    memory, time_cost, lanes = (int(part.split("=")[1]) for part in params.split(","))
    other = "argon2" + PasswordHasher(
        time_cost=time_cost, memory_cost=memory, parallelism=lanes
    ).hash("a-long-enough-Passw0rd")
    upgraded: list[str] = []
    assert check_password("a-long-enough-Passw0rd", other, setter=upgraded.append)
    assert len(upgraded) == 1
