"""E-mail to organisations and their staff, rendered in the recipient's language and sent only
after the commit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import override

from config.commit import after_commit


def normalise_email(address: str) -> str:
    """E-mail addresses are stored in lower case: allauth's password reset looks them up so."""
    return address.strip().lower()


def send_email(
    *, to: str, language: str, subject: str | Promise, template: str, context: dict[str, Any]
) -> None:
    """Render one e-mail in the recipient's language and send it (called after the commit).

    ``subject`` may name values of ``context`` (``%(organisation)s``); they are rendered in the
    recipient's language too.
    """
    with override(language):
        body = render_to_string(template, context)
        subject_text = str(subject) % {key: str(value) for key, value in context.items()}
        send_mail(subject_text, body, None, [to])


def email_after_commit(
    *, to: str, language: str, subject: str | Promise, template: str, context: dict[str, Any]
) -> None:
    # A mail server that is down must not turn the committed change into an error page: the
    # failure is logged (config.commit) and the person can ask for a password-reset code.
    after_commit(
        send_email, to=to, language=language, subject=subject, template=template, context=context
    )


def password_url(site_url: str) -> str:
    """allauth's password-reset page: staff type their e-mail there and receive a code."""
    return urljoin(site_url, reverse("account_reset_password"))
