"""The kinds of record the importer knows, by the name the command line uses."""

from __future__ import annotations

from collections.abc import Callable

from traseu.imports.kinds.base import Kind
from traseu.imports.kinds.deals import Deals
from traseu.imports.kinds.directory import Accounts, Contacts
from traseu.imports.kinds.history import DealHistory
from traseu.imports.kinds.products import Products
from traseu.imports.kinds.prospects import Prospects

HANDLERS: dict[str, Callable[[], Kind]] = {
    "accounts": Accounts,
    "contacts": Contacts,
    "deals": Deals,
    "deal-history": DealHistory,
    "prospects": Prospects,
    "products": Products,
}
