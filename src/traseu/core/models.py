from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in the sales team; stages and tasks name these as responsible."""

    ADMIN = "admin", _("Administrator")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES_REP = "sales_rep", _("Sales representative")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    READ_ONLY = "read_only", _("Read-only")


class TeamSharing(models.TextChoices):
    """What a sales rep may do with a teammate's deals (managers always see their teams')."""

    PRIVATE = "private", _("Private: each rep sees only their own deals")
    READ = "read", _("Team read: reps see their teammates' deals")
    WRITE = "write", _("Team write: reps see and edit their teammates' deals")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    sharing = models.CharField(
        _("deal sharing"),
        max_length=8,
        choices=TeamSharing.choices,
        default=TeamSharing.WRITE,
        help_text=_("What the team's sales reps may do with each other's deals."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SALES_REP)
    teams = models.ManyToManyField(
        Team, related_name="members", blank=True, verbose_name=_("teams")
    )
    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def may_override_gates(self) -> bool:
        """Gate overrides are a manager's call (and an administrator's)."""
        return self.role in (Role.SALES_MANAGER, Role.ADMIN) or self.is_superuser

    @property
    def may_publish_processes(self) -> bool:
        """Storing a new process version changes every new deal's route: a manager's call."""
        return self.is_active and self.may_override_gates


class TokenScope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")


class AccessToken(models.Model):
    """A personal access token for the API, sent as ``Authorization: Bearer trs_...``.

    Only the SHA-256 of the token is stored (``secret_hash``); the clear token is shown once,
    when it is created. ``prefix`` (the first characters after ``trs_``) identifies a token in
    lists without revealing it. A token acts as its user, limited to its ``scope``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    secret_hash = models.CharField(_("secret hash"), max_length=64, unique=True, editable=False)
    scope = models.CharField(
        _("scope"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["user", "-created_at"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.name} (trs_{self.prefix}…)"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key``, replayed on a retry.

    ``status`` is null while the first request runs; ``fingerprint`` is the SHA-256 of the
    method, path and body, so the same key with a different request is refused.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    body = models.TextField(_("response body"), blank=True)
    headers = models.JSONField(_("response headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique"),
            models.CheckConstraint(
                condition=Q(status__isnull=True) | Q(status__gte=100), name="idempotency_status"
            ),
        ]
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
