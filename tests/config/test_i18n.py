"""Arabic by default (RTL), English on request, and the choice persists."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from config.views import error_500

pytestmark = pytest.mark.django_db


def test_arabic_is_the_default_whatever_the_browser_prefers(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert "مساعدة" in page


def test_english_switch_persists_across_requests(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "bootstrap.min.css" in page
    assert "Apply once" in page
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert '<html lang="ar" dir="rtl">' in client.get("/").content.decode()


def test_an_unknown_language_cookie_falls_back_to_arabic(client):
    client.cookies["django_language"] = "fr"
    assert '<html lang="ar" dir="rtl">' in client.get("/").content.decode()


def test_404_page_in_both_languages(client):
    arabic = client.get("/no-such-page/")
    assert arabic.status_code == 404
    assert "الصفحة غير موجودة" in arabic.content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/no-such-page/")
    assert "Page not found" in english.content.decode()
    assert 'dir="ltr"' in english.content.decode()


def test_403_page_in_both_languages(client):
    from tests.factories import ApplicantUserFactory

    client.force_login(ApplicantUserFactory())
    assert "غير مسموح" in client.get("/ministry/").content.decode()
    client.cookies["django_language"] = "en"
    assert "You are not allowed" in client.get("/ministry/").content.decode()


@pytest.mark.parametrize(
    ("language", "text", "direction"),
    [("ar", "حدث خطأ", "rtl"), ("en", "Something went wrong", "ltr")],
)
def test_500_page_in_both_languages(language, text, direction):
    with translation.override(language):
        response = error_500(RequestFactory().get("/"))
    assert response.status_code == 500
    assert text in response.content.decode()
    assert f'dir="{direction}"' in response.content.decode()


def test_pages_send_a_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
