"""The append-only audit trail.

Rows are written by :func:`traseu.audit.services.record` and never changed: the manager's
``update()`` and ``delete()`` raise, and so do ``save()`` on a stored row and ``delete()`` on an
instance. (Code with raw SQL, or a database role with UPDATE rights, can still change the table;
see docs/operations.md for locking that down in the database too.)
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditImmutable(Exception):
    """Somebody tried to change or remove an audit row."""


def _refuse() -> NoReturn:
    raise AuditImmutable("Audit entries are never changed or deleted.")


class Via(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    IMPORT = "import", _("Import")
    WORKER = "worker", _("Background worker")
    DEMO = "demo", _("Demo")
    SERVICE = "service", _("Service")


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    MOVE = "move", _("Moved")
    OVERRIDE = "override", _("Moved (gate overridden)")
    APPLY = "apply", _("Applied")


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """Reads and inserts only."""

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse()

    def delete(self) -> NoReturn:
        _refuse()

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()


class AuditEntry(models.Model):
    """One change: who (``actor``; null when nobody signed in, e.g. a migration script), when,
    through what (``via``, and the token's prefix for API calls), to which record
    (``object_type`` + ``object_id``, ``object_label`` as it read then; ``deal_id`` when the
    record belongs to a deal), and the changed fields' values before and after."""

    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,  # a person who changed things is deactivated, not erased
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    via = models.CharField(_("via"), max_length=8, choices=Via.choices, default=Via.SERVICE)
    token_prefix = models.CharField(_("token"), max_length=8, blank=True)
    object_type = models.CharField(_("record type"), max_length=40)
    object_id = models.BigIntegerField(_("record id"))
    object_label = models.CharField(_("record"), max_length=200, blank=True)
    deal_id = models.BigIntegerField(_("deal"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["deal_id", "at"], name="audit_deal"),
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse()
