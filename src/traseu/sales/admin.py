from django.contrib import admin

from traseu.sales.models import (
    Competitor,
    Contract,
    DealCompetitor,
    MarketNote,
    NegotiationRound,
    Product,
    Proposal,
    ProposalLine,
)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ("code", "name", "unit_price", "currency", "active")
    list_filter = ("active", "currency")
    search_fields = ("code", "name", "description")


class LineInline(admin.TabularInline[ProposalLine, Proposal]):
    model = ProposalLine
    extra = 0


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin[Proposal]):
    list_display = ("deal", "number", "title", "status", "currency", "language", "valid_until")
    list_filter = ("status", "language")
    search_fields = ("title", "deal__title")
    inlines = (LineInline,)
    raw_id_fields = ("deal",)


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin[Competitor]):
    list_display = ("name", "website")
    search_fields = ("name",)


@admin.register(DealCompetitor)
class DealCompetitorAdmin(admin.ModelAdmin[DealCompetitor]):
    list_display = ("deal", "competitor", "outcome", "price")
    list_filter = ("outcome", "competitor")
    raw_id_fields = ("deal",)


@admin.register(MarketNote)
class MarketNoteAdmin(admin.ModelAdmin[MarketNote]):
    list_display = ("deal", "author", "created_at")
    raw_id_fields = ("deal",)


class RoundInline(admin.TabularInline[NegotiationRound, Contract]):
    model = NegotiationRound
    extra = 0


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    list_display = ("deal", "status", "value", "currency", "start_date", "end_date", "signed_on")
    list_filter = ("status",)
    raw_id_fields = ("deal",)
    inlines = (RoundInline,)
