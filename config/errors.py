"""The one base class of every domain error in the project.

A service raises a subclass of :class:`DomainError` when it refuses to do what it was asked;
nothing has been changed, and ``message`` says why, in the person's language. Views catch the
app's own base class (``AidRequestError``, ``ProfileError``, …) and show ``message`` as it is —
never a 500, never an HTTP exception raised from a service. Each app keeps its errors in its
own ``exceptions.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Nothing was changed; ``message`` says why, in the user's language."""

    message: StrOrPromise = _("This action is not possible.")
    #: The form field the message belongs to, when there is one.
    field: str | None = None

    def __init__(self, message: StrOrPromise | None = None) -> None:
        if message is not None:
            self.message = message
        super().__init__(str(self.message))
