"""The CRM's part of the REST API: deals (and the work on them), accounts and contacts."""

from __future__ import annotations

from ninja import Router

from traseu.crm.api_deal_work import router as deal_work
from traseu.crm.api_deals import router as deals
from traseu.crm.api_directory import accounts, contacts

router = Router()
router.add_router("/deals", deals)
router.add_router("/deals", deal_work)
router.add_router("/accounts", accounts)
router.add_router("/contacts", contacts)
