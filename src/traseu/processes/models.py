from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Process(models.Model):
    """A sales process by key; its content lives in versions."""

    key = models.SlugField(_("key"), max_length=63, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["key"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")

    def __str__(self) -> str:
        return self.key


class ProcessVersion(models.Model):
    """One stored version of a process document. Never edited: a change is a new version.

    ``document`` is the canonical, self-contained document (techniques inline), so a deal that
    runs on this version sees the same route whatever is applied later.
    """

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=8)
    currency = models.CharField(_("currency"), max_length=3)
    digest = models.CharField(_("digest"), max_length=64)
    document = models.JSONField(_("document"))
    source = models.TextField(_("source document"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["process__key", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="process_version_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="process_version_gte_1"),
        ]
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")

    def __str__(self) -> str:
        return f"{self.process.key} v{self.number}"
