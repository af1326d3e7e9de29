"""What the importer remembers: the jobs it ran and which record each source row became."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Accounts")
    CONTACTS = "contacts", _("Contacts")
    DEALS = "deals", _("Deals")
    DEAL_HISTORY = "deal-history", _("Deal stage history")
    PROSPECTS = "prospects", _("Prospects")
    PRODUCTS = "products", _("Products")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    VALIDATING = "validating", _("Checking the file")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Refused: the file has errors")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One run of the importer over one file: what it was asked, how far it got, what it did.

    The engine writes progress as it goes (``rows_done`` of ``rows_total``) in its own short
    transactions, so a page or the API can show it while the import runs.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=500)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    source_system = models.CharField(_("source system"), max_length=40, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error_file = models.CharField(_("error file"), max_length=500, blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"


class ExternalRef(models.Model):
    """Which Traseu record a source system's record became, so re-imports find it again.

    ``data`` keeps what later imports of related files need (a deal's stage-history points).
    """

    source = models.CharField(_("source system"), max_length=40)
    kind = models.CharField(_("record type"), max_length=16)
    external_id = models.CharField(_("external id"), max_length=255)
    object_id = models.BigIntegerField(_("record id"))
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "external_id"], name="external_ref_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]
        verbose_name = _("external reference")
        verbose_name_plural = _("external references")

    def __str__(self) -> str:
        return f"{self.source}:{self.kind}:{self.external_id} → {self.object_id}"
