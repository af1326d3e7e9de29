from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traseu.core.models import Team
from traseu.crm.models import Account, Deal


class IdealCustomerProfile(models.Model):
    """An ideal customer profile (ICP): its YAML as written and its canonical document.

    Changed only through :func:`traseu.prospecting.fit.icp_apply_text` (the admin and the CLI
    call it), which validates the text, counts ``version`` up when the ``digest`` changes and
    recomputes the scores.
    """

    key = models.SlugField(_("key"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.TextField(_("document (YAML)"))
    document = models.JSONField(_("canonical document"))
    digest = models.CharField(_("digest"), max_length=64)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "key"]
        verbose_name = _("ideal customer profile")
        verbose_name_plural = _("ideal customer profiles")

    def __str__(self) -> str:
        return self.name


class AccountFit(models.Model):
    """An account's fit with one ICP: the score (0-100) and, per criterion, why.

    ``explanation`` is a list of ``{key, label, attribute, weight, matched, known, value,
    points}``; ``digest`` is the profile's digest when scored, so a stale row can be told.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="fits")
    profile = models.ForeignKey(
        IdealCustomerProfile, on_delete=models.CASCADE, related_name="account_fits"
    )
    score = models.PositiveSmallIntegerField(_("fit score"))
    explanation = models.JSONField(_("explanation"), default=list)
    digest = models.CharField(_("profile digest"), max_length=64)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["profile", "-score", "account"]
        constraints = [
            models.UniqueConstraint(fields=["account", "profile"], name="account_fit_unique"),
            models.CheckConstraint(condition=Q(score__lte=100), name="account_fit_score_0_100"),
        ]
        indexes = [models.Index(fields=["profile", "-score"])]
        verbose_name = _("account fit")
        verbose_name_plural = _("account fits")

    def __str__(self) -> str:
        return f"{self.account_id} ~ {self.profile_id}: {self.score}"


class AccountKey(models.Model):
    """How an account is recognised: its normalised domain and name (kept by the services)."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="match_key"
    )
    domain = models.CharField(_("normalised domain"), max_length=200, db_index=True, blank=True)
    name_key = models.CharField(_("normalised name"), max_length=200, db_index=True)

    class Meta:
        verbose_name = _("account key")
        verbose_name_plural = _("account keys")

    def __str__(self) -> str:
        return self.domain or self.name_key


class ProspectList(models.Model):
    """A list of candidate companies, scored against one ICP, seen by its team and owner."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    profile = models.ForeignKey(
        IdealCustomerProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lists",
        verbose_name=_("ideal customer profile"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prospect_lists",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prospect_lists",
        verbose_name=_("team"),
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("prospect list")
        verbose_name_plural = _("prospect lists")

    def __str__(self) -> str:
        return self.name


class ProspectStatus(models.TextChoices):
    NEW = "new", _("New")
    RESEARCHING = "researching", _("Researching")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


class Prospect(models.Model):
    """A candidate company (and a contact there) on a list.

    ``dedupe_key`` (the normalised domain, else the normalised name) is unique per list.
    ``account`` is the existing account it was recognised as (``matched_by`` says how), or the
    one its conversion created; ``deal`` the deal the conversion opened.
    """

    prospect_list = models.ForeignKey(
        ProspectList, on_delete=models.CASCADE, related_name="prospects", verbose_name=_("list")
    )
    company_name = models.CharField(_("company"), max_length=200)
    name_key = models.CharField(_("normalised name"), max_length=200, db_index=True)
    domain = models.CharField(_("web domain"), max_length=200, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    contact_first_name = models.CharField(_("contact first name"), max_length=100, blank=True)
    contact_last_name = models.CharField(_("contact last name"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_title = models.CharField(_("contact job title"), max_length=120, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    custom = models.JSONField(_("custom attributes"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProspectStatus.choices, default=ProspectStatus.NEW
    )
    disqualified_reason = models.CharField(_("disqualified because"), max_length=300, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=210)
    fit_score = models.PositiveSmallIntegerField(_("fit score"), null=True, blank=True)
    fit_explanation = models.JSONField(_("fit explanation"), default=list, blank=True)
    account = models.ForeignKey(
        Account,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prospects",
        verbose_name=_("account"),
    )
    matched_by = models.CharField(_("recognised by"), max_length=8, blank=True)
    deal = models.ForeignKey(
        Deal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deal"),
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["prospect_list", "-fit_score", "company_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["prospect_list", "dedupe_key"], name="prospect_unique_in_list"
            ),
            models.UniqueConstraint(
                fields=["prospect_list", "external_id"],
                condition=~Q(external_id=""),
                name="prospect_external_id_unique_in_list",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProspectStatus.DISQUALIFIED) | ~Q(disqualified_reason=""),
                name="prospect_disqualified_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProspectStatus.CONVERTED) | Q(converted_at__isnull=False),
                name="prospect_converted_has_date",
            ),
            models.CheckConstraint(
                condition=Q(fit_score__isnull=True) | Q(fit_score__lte=100),
                name="prospect_fit_score_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["prospect_list", "status"]),
            models.Index(fields=["prospect_list", "fit_score"]),
        ]
        verbose_name = _("prospect")
        verbose_name_plural = _("prospects")

    def __str__(self) -> str:
        return self.company_name

    @property
    def contact_name(self) -> str:
        return f"{self.contact_first_name} {self.contact_last_name}".strip()
