"""What the charities' views share: running a service and saying how it went, links in e-mails."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest

from aid_requests.exceptions import AidRequestError
from charities.exceptions import CharityError


def run_action(request: HttpRequest, success: str, action: Callable[[], object]) -> None:
    """Run ``action`` (one service call) and tell the user how it went.

    A refusal of the charity's services or of the request's own (a move the status machine
    does not allow, a message to a case not held) is shown as its message.
    """
    try:
        action()
    except (CharityError, AidRequestError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


def site_url(request: HttpRequest) -> str:
    """This portal's address as the browser used it, for links in e-mails."""
    return request.build_absolute_uri("/")
