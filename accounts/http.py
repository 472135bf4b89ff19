"""The request type of views that only a signed-in person reaches."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind ``login_required`` (or ``require_capability``, which implies it):
    ``request.user`` is a :class:`User`, never ``AnonymousUser``.

    Only a type: annotate a view's ``request`` with it when a decorator guarantees a sign-in.
    """

    user: User
    #: Set by django-htmx's middleware: whether (and how) htmx made the request.
    htmx: HtmxDetails
