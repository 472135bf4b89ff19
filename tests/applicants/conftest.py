"""Fixtures of the applicant profile tests.

Messages are asserted in English (the source strings): the translation is activated for code
under test and the test client sends the language cookie. One test checks the Arabic page.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from tests.factories import ApplicantProfileFactory
from tests.factories.applicants import CompleteProfileFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, never the project's."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def profile():
    """An applicant whose personal details are complete."""
    return CompleteProfileFactory()


@pytest.fixture
def applicant(profile):
    return profile.user


@pytest.fixture
def other_profile():
    return ApplicantProfileFactory()
