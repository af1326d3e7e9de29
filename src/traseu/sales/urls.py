from django.urls import URLPattern, path

from traseu.sales import pages, views

urlpatterns: list[URLPattern] = [
    path("products/", pages.product_list, name="sales_products"),
    path("products/new/", pages.product_edit, name="sales_product_new"),
    path("products/<int:product_id>/", pages.product_edit, name="sales_product_edit"),
    path("proposals/<int:proposal_id>/", pages.proposal_page, name="sales_proposal_document"),
    path("proposals/<int:proposal_id>/pdf/", pages.proposal_pdf_view, name="sales_proposal_pdf"),
    path("deals/<int:deal_id>/panels/<slug:key>/", views.deal_panel, name="sales_deal_panel"),
    path("deals/<int:deal_id>/proposals/", views.proposal_new, name="sales_proposal_new"),
    path("proposals/<int:proposal_id>/edit/", views.proposal_update, name="sales_proposal_update"),
    path("proposals/<int:proposal_id>/lines/", views.line_add, name="sales_line_add"),
    path("proposal-lines/<int:line_id>/", views.line_update, name="sales_line_update"),
    path("proposal-lines/<int:line_id>/remove/", views.line_remove, name="sales_line_remove"),
    path(
        "proposals/<int:proposal_id>/status/",
        views.proposal_status_set,
        name="sales_proposal_status",
    ),
    path(
        "deals/<int:deal_id>/competitors/",
        views.deal_competitor_add,
        name="sales_deal_competitor_add",
    ),
    path(
        "deal-competitors/<int:entry_id>/",
        views.deal_competitor_update,
        name="sales_deal_competitor_update",
    ),
    path(
        "deals/<int:deal_id>/competitors/winner/",
        views.deal_competitor_winner,
        name="sales_deal_competitor_winner",
    ),
    path("deals/<int:deal_id>/market-notes/", views.market_note_add, name="sales_market_note_add"),
    path("deals/<int:deal_id>/contract/", views.contract_save, name="sales_contract_save"),
    path("deals/<int:deal_id>/contract/rounds/", views.round_add, name="sales_round_add"),
]
