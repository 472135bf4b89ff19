"""Fixtures of the identity tests: each stub provider running, and the settings pointing at it."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from tests.factories import ApplicantUserFactory
from tests.identity.stubs.hawiyati import HawiyatiStub
from tests.identity.stubs.nafath import NafathStub
from tests.identity.stubs.oidc import OidcStub


@pytest.fixture(scope="session")
def simulator_key_file(tmp_path_factory):
    return tmp_path_factory.mktemp("identity") / "simulator.pem"


@pytest.fixture(autouse=True)
def _identity_settings(settings, simulator_key_file):
    settings.IDENTITY_PROVIDER = "simulator"
    settings.IDENTITY_SIMULATOR_KEY_FILE = simulator_key_file
    # Every poll in a test reaches the provider (one test covers the throttle on its own).
    settings.IDENTITY_PROVIDER_POLL_MIN_SECONDS = 0
    settings.PORTAL_NAME = "Musaada Test Portal"
    settings.PORTAL_NAME_AR = "بوابة مساعدة التجريبية"


@pytest.fixture
def hawiyati(settings):
    with HawiyatiStub() as stub:
        settings.IDENTITY_PROVIDER = "hawiyati"
        settings.HAWIYATI_BASE_URL = stub.url
        settings.HAWIYATI_CLIENT_ID = stub.client_id
        settings.HAWIYATI_CLIENT_SECRET = stub.client_secret
        settings.HAWIYATI_MAPPING = {**settings.HAWIYATI_MAPPING, "issuer": stub.issuer}
        settings.IDENTITY_ENROLMENT_HELP_URL = "https://help.example/enrol"
        yield stub


@pytest.fixture
def nafath(settings):
    with NafathStub() as stub:
        settings.IDENTITY_PROVIDER = "nafath"
        settings.NAFATH_BASE_URL = stub.url
        settings.NAFATH_APP_ID = stub.app_id
        settings.NAFATH_APP_KEY = stub.app_key
        settings.NAFATH_JWT_AUDIENCE = stub.app_id
        yield stub


@pytest.fixture
def oidc(settings):
    with OidcStub() as stub:
        settings.IDENTITY_PROVIDER = "oidc"
        settings.OIDC_ISSUER = stub.issuer
        settings.OIDC_CLIENT_ID = stub.client_id
        settings.OIDC_CLIENT_SECRET = stub.client_secret
        settings.OIDC_ID_CLAIM = "idn"
        settings.OIDC_REDIRECT_URI = ""
        yield stub


@pytest.fixture
def applicant(db):
    return ApplicantUserFactory()


def follow_once(url: str) -> str:
    """GET ``url`` with a real HTTP client and return the Location it redirects to."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, response.status
        return response.getheader("Location")
    finally:
        connection.close()


@pytest.fixture
def client(client):
    """These tests read the English source messages: browse the portal in English."""
    client.cookies["django_language"] = "en"
    return client
