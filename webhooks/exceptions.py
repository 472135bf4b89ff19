"""The webhooks' refusals."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class WebhookError(DomainError):
    """Base of this app's refusals."""


class WebhookNotAllowed(WebhookError):
    message = _("Only a manager of the organisation may manage its webhooks.")


class WebhookSecondFactorRequired(WebhookError):
    message = _("Confirm your second factor before managing webhooks.")


class WebhookUrlRefused(WebhookError):
    message = _("Give an https address (http is accepted only to 127.0.0.1 outside production).")


class WebhookEventsRequired(WebhookError):
    message = _("Choose at least one event.")
