"""Products, proposals (versioned, with lines), competitors per deal, contracts.

Every editable record carries ``version`` (counted on each write) so a stale copy is refused.
Money amounts are never stored as totals: totals are computed from the lines by
:mod:`traseu.sales.money`, the one place the rounding rule lives.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from traseu.crm.models import Deal


class Product(models.Model):
    """An item of the catalogue a proposal line may refer to (its price is copied, not linked)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=60, unique=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, help_text="ISO 4217")
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="sales_product_price_not_negative"
            ),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


#: The moves a proposal's status may make; everything else is refused.
PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalStatus.DRAFT: (ProposalStatus.SENT,),
    ProposalStatus.SENT: (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED),
    ProposalStatus.ACCEPTED: (),
    ProposalStatus.REJECTED: (),
}
STATUS_ACTIONS: dict[str, Any] = {
    ProposalStatus.SENT: _("Mark as sent"),
    ProposalStatus.ACCEPTED: _("Client accepted"),
    ProposalStatus.REJECTED: _("Client rejected"),
}


class Proposal(models.Model):
    """One version (v1, v2 …) of the offer made on a deal. Only a draft can be edited."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposals")
    number = models.PositiveIntegerField(_("version number"))
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=8)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["deal", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "number"], name="sales_proposal_number_unique"),
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(status="accepted"),
                name="sales_one_accepted_proposal_per_deal",
            ),
        ]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def next_statuses(self) -> list[tuple[str, str]]:
        """The statuses this proposal may move to, with the button label for each."""
        return [(s, str(STATUS_ACTIONS[s])) for s in PROPOSAL_TRANSITIONS[self.status]]


class ProposalLine(models.Model):
    """A line of a proposal. ``code`` and ``unit_price`` are copied from the product when one is
    chosen, so later catalogue changes never alter a proposal already made."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    tax_percent = models.DecimalField(_("tax %"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["proposal", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="sales_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="sales_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="sales_line_discount_0_100",
            ),
            models.CheckConstraint(
                condition=Q(tax_percent__gte=0) & Q(tax_percent__lte=100),
                name="sales_line_tax_0_100",
            ),
        ]
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")

    def __str__(self) -> str:
        return self.description


class Competitor(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class CompetitorOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    WE_WON = "we_won", _("We won")
    THEY_WON = "they_won", _("They won")
    NO_DECISION = "no_decision", _("No decision")


class DealCompetitor(models.Model):
    """A competitor in one deal: what they offer, how they compare, and who won."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="competitors")
    competitor = models.ForeignKey(Competitor, on_delete=models.PROTECT, related_name="deals")
    offer = models.TextField(_("their offer"), blank=True)
    price = models.DecimalField(
        _("their price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    likely_next_move = models.TextField(_("likely next move"), blank=True)
    positioning = models.TextField(_("our positioning"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=CompetitorOutcome.choices, default="open"
    )
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["deal", "competitor__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "competitor"], name="sales_deal_competitor_unique"
            ),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(outcome="they_won"), name="sales_one_winner_per_deal"
            ),
        ]
        verbose_name = _("competitor on a deal")
        verbose_name_plural = _("competitors on deals")

    def __str__(self) -> str:
        return f"{self.competitor} @ {self.deal_id}"

    @property
    def analysed(self) -> bool:
        """Counts for "competitors analysed": strengths, weaknesses and our positioning known."""
        return all(text.strip() for text in (self.strengths, self.weaknesses, self.positioning))


class MarketNote(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="market_notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["deal", "-created_at", "-pk"]
        verbose_name = _("market note")
        verbose_name_plural = _("market notes")

    def __str__(self) -> str:
        return self.text[:60]


class ContractStatus(models.TextChoices):
    DRAFTING = "drafting", _("Drafting")
    NEGOTIATING = "negotiating", _("Negotiating")
    SIGNED = "signed", _("Signed")
    CANCELLED = "cancelled", _("Cancelled")


class Contract(models.Model):
    deal = models.OneToOneField(Deal, on_delete=models.CASCADE, related_name="contract")
    terms = models.TextField(_("terms"), blank=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default="drafting"
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="signed") | Q(signed_on__isnull=False),
                name="sales_contract_signed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="sales_contract_end_after_start",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="sales_contract_value_positive"),
        ]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{_('Contract')} {self.deal_id} ({self.get_status_display()})"


class Party(models.TextChoices):
    CLIENT = "client", _("The client")
    US = "us", _("Us")


class NegotiationRound(models.Model):
    """One exchange: what one side asked for and what the other conceded (if anything)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField(_("round"))
    asked_by = models.CharField(_("asked by"), max_length=8, choices=Party.choices)
    asked = models.TextField(_("what was asked"))
    conceded_by = models.CharField(
        _("conceded by"), max_length=8, choices=Party.choices, blank=True
    )
    conceded = models.TextField(_("what was conceded"), blank=True)
    person = models.CharField(_("who (person)"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["contract", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="sales_round_unique"),
        ]
        verbose_name = _("negotiation round")
        verbose_name_plural = _("negotiation rounds")

    def __str__(self) -> str:
        return f"#{self.number} {self.asked[:40]}"
