"""Accounts: one user model for applicants and staff, and the roles of DESIGN.md."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Who a user is. Charity roles also need a membership in one organisation (charities)."""

    APPLICANT = "applicant", _("Applicant")
    CASEWORKER = "caseworker", _("Charity caseworker")
    MANAGER = "manager", _("Charity manager")
    MINISTRY_OFFICIAL = "ministry_official", _("Ministry official")
    MINISTRY_ADMIN = "ministry_admin", _("Ministry administrator")


CHARITY_ROLES = frozenset({Role.CASEWORKER, Role.MANAGER})
MINISTRY_ROLES = frozenset({Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN})
STAFF_ROLES = CHARITY_ROLES | MINISTRY_ROLES


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        *,
        password: str | None = None,
        email: str | None = None,
        civil_id: str | None = None,
        role: str = Role.APPLICANT,
        **fields: Any,
    ) -> User:
        user = self.model(
            email=self.normalize_email(email) if email else None,
            civil_id=civil_id or None,
            role=role,
            **fields,
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("full_name", "Administrator")
        return self.create_user(
            email=email,
            password=password,
            role=Role.MINISTRY_ADMIN,
            is_staff=True,
            is_superuser=True,
            **fields,
        )


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an applicant (by civil ID) or staff (by e-mail).

    Staff have an e-mail address and no civil ID requirement; applicants always have a civil ID.
    ``is_staff`` only opens Django's admin and is given to ministry administrators.
    """

    email = models.EmailField(_("e-mail address"), null=True, blank=True, unique=True)
    civil_id = models.CharField(_("civil ID"), max_length=12, null=True, blank=True, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    mobile_verified = models.BooleanField(_("mobile verified"), default=False)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.APPLICANT)
    language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=[("ar", _("Arabic")), ("en", _("English"))],
        default="ar",
    )
    identity_verified_at = models.DateTimeField(
        _("identity verified at"),
        null=True,
        blank=True,
        help_text=_("When the identity app last confirmed that this person holds the civil ID."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
            models.CheckConstraint(
                condition=(
                    (Q(role=Role.APPLICANT) & Q(civil_id__isnull=False))
                    | (~Q(role=Role.APPLICANT) & Q(email__isnull=False))
                ),
                name="user_has_login_for_role",
                violation_error_message=_(
                    "Applicants need a civil ID and staff need an e-mail address."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.role == Role.APPLICANT:
            return f"{self.full_name or _('Applicant')} (…{(self.civil_id or '')[-4:]})"
        return self.full_name or self.email or str(self.pk)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else ""

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def is_identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    @property
    def is_charity_staff(self) -> bool:
        return self.role in CHARITY_ROLES

    @property
    def is_ministry(self) -> bool:
        return self.role in MINISTRY_ROLES


class Session(AbstractBaseSession):
    """A browser's session, as Django keeps it, with the id of the user signed in to it.

    The id is copied from the session's data each time the session is saved
    (``accounts.sessions``), so that one statement reads a request's session and its signed-in
    user together: one round trip to the database fewer on every signed-in page (issue 19).
    The data stays the authority: the user read with the session is used only for the id the
    data names, and Django still checks the session's password hash against it.

    No foreign key in the database: a session may be saved in the same transaction as its
    user is deleted. Deleting a user through the ORM deletes its sessions.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    @classmethod
    def get_session_store_class(cls) -> type[Any]:
        from accounts.sessions import SessionStore

        return SessionStore
