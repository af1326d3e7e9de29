"""Products into the sales catalogue, through the sales services (codes are unique)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from traseu.imports.kinds.base import CREATED, UNCHANGED, UPDATED, Context, ref_get, ref_set
from traseu.imports.values import Cells
from traseu.sales.access import require_catalogue_manager
from traseu.sales.models import Product
from traseu.sales.services import product_create, product_update


@dataclass
class ProductRow:
    external_id: str
    values: dict[str, Any]


class Products:
    ref_kind = "product"

    def prepare(self, context: Context) -> None:
        require_catalogue_manager(context.user)

    def check(self, context: Context, cells: Cells) -> ProductRow:
        price = cells.amount("unit_price")
        if price is None or price < 0:
            raise cells.error(
                "unit_price",
                cells.raw("unit_price"),
                _("A unit price of at least 0 is required."),
                "unit_price",
            )
        currency = (cells.text("currency") or context.mapping.defaults.currency or "").upper()
        if len(currency) != 3 or not currency.isalpha():
            raise cells.error(
                "currency",
                currency,
                _("'%(value)s' is not a currency code.") % {"value": currency},
                "currency",
            )
        values: dict[str, Any] = {
            "name": cells.required("name"),
            "code": cells.required("code"),
            "unit_price": price,
            "currency": currency,
        }
        active = cells.flag("active")
        if active is not None:
            values["active"] = active
        if cells.text("description"):
            values["description"] = cells.text("description")
        return ProductRow(cells.text("external_id"), values)

    def store(self, context: Context, item: ProductRow) -> str:
        ref = ref_get(context, context.source, "product", item.external_id)
        product = Product.objects.filter(pk=ref.object_id).first() if ref else None
        product = product or Product.objects.filter(code__iexact=item.values["code"]).first()
        if product is None:
            product = product_create(acting_user=context.user, data=item.values)
            outcome = CREATED
        else:
            changes = {k: v for k, v in item.values.items() if getattr(product, k) != v}
            if changes:
                product_update(
                    product_id=product.pk,
                    acting_user=context.user,
                    changes=changes,
                    expected_version=None,
                )
            outcome = UPDATED if changes else UNCHANGED
        ref_set(context, context.source, "product", item.external_id, product.pk)
        return outcome

    def finish(self, context: Context) -> dict[str, int]:
        return {}
