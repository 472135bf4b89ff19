"""What the charities' views share: running a service and saying how it went, links in e-mails."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.http import AuthenticatedHttpRequest
from aid_requests.exceptions import AidRequestError
from charities import selectors
from charities.exceptions import CharityError
from charities.models import Organisation
from donations.exceptions import DonationError


def run_action(request: HttpRequest, success: str, action: Callable[[], object]) -> None:
    """Run ``action`` (one service call) and tell the user how it went.

    A refusal of the charity's services or of the request's own (a move the status machine
    does not allow, a message to a case not held) is shown as its message.
    """
    try:
        action()
    except (CharityError, AidRequestError, DonationError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


def site_url(request: HttpRequest) -> str:
    """This portal's address as the browser used it, for links in e-mails."""
    return request.build_absolute_uri("/")


def organisation_of(request: AuthenticatedHttpRequest) -> Organisation:
    """The organisation the signed-in staff member acts for.

    Views behind ``require_capability`` for a staff capability only let members of an
    organisation in; anyone else here is refused (403), never given another's data.
    """
    organisation = selectors.organisation_for_staff(request.user)
    if organisation is None:
        raise PermissionDenied
    return organisation
