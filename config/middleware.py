"""Language selection: Arabic unless the person chose otherwise.

Django's ``LocaleMiddleware`` falls back to the browser's ``Accept-Language`` header. Musaada is
an Arabic-first public portal, so the default is Arabic whatever the browser says; the choice
made with the language switch (a cookie, kept for a year) always wins.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RateLimitedMiddleware:
    """allauth's ``RateLimited``, raised deep in a flow, as the translated 429 page.

    allauth checks its own view-level limits and answers 429 itself, but some limits are
    consumed inside a flow — e.g. one SMS code per mobile number every 30 seconds, reached when
    a sign-up form is sent twice or two family members sign up with the same mobile — and there
    the exception would otherwise become a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from allauth.core.exceptions import RateLimited

        if isinstance(exception, RateLimited):
            return render(request, "429.html", status=429)
        return None


#: Powerful browser features the portal never uses, denied to it and to anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
)


class PrivacyHeadersMiddleware:
    """``Permissions-Policy`` on every response, and ``Cache-Control: private, no-store`` on
    every response to a signed-in user whose view did not set ``Cache-Control`` itself.

    Pages with personal data are many and grow; marking everything a signed-in person sees
    keeps names, civil IDs and documents out of shared caches and the browser's disk cache
    (the back button after signing out on a shared computer) without listing the pages.
    Must come after ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Cache-Control" not in response and _signed_in(request):
            response["Cache-Control"] = "private, no-store"
        return response


def _signed_in(request: HttpRequest) -> bool:
    """Whether the visitor is signed in; True when that cannot be known.

    The session (and so the user) is read from the database only when first asked. With the
    database down that read fails: the answer is then the error page already rendered, which
    must not be turned into a second error here, and "private" is the safe side.
    """
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return bool(user.is_authenticated)
    except DatabaseError:
        return True
