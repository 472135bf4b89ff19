"""The notifications app's exceptions. Neither is a domain error (``config.errors.DomainError``):
a delivery failure is recorded on the notification and never reaches the person or the change
that sent it."""

from __future__ import annotations


class SmsDeliveryError(Exception):
    """The message was not accepted; sending it again later may work.

    The text says what went wrong without the number or the message (it is stored and logged).
    """


class DeliveryIncomplete(Exception):
    """A channel failed this time and will be tried again (the task retries on this)."""
