"""Writes for the product catalogue (sales managers and administrators)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import InvalidInput, NotFound
from traseu.core.models import User
from traseu.sales import validation as check
from traseu.sales.access import require_catalogue_manager
from traseu.sales.models import Product

PRODUCT_FIELDS = ("name", "code", "unit_price", "currency", "active", "description")


def _product_values(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if not partial or "name" in data:
        cleaned["name"] = check.text(data.get("name"), "name", required=True, max_length=200)
    if not partial or "code" in data:
        cleaned["code"] = check.text(data.get("code"), "code", required=True, max_length=60)
    if not partial or "unit_price" in data:
        cleaned["unit_price"] = check.required_decimal(data.get("unit_price"), "unit_price")
    if not partial or "currency" in data:
        cleaned["currency"] = check.currency(data.get("currency"))
    if "active" in data:
        cleaned["active"] = bool(data["active"])
    if "description" in data:
        cleaned["description"] = check.text(data.get("description"), "description")
    return cleaned


def _code_taken(code: str, exclude: int | None = None) -> None:
    same = Product.objects.filter(code__iexact=code)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise InvalidInput(
            _("A product with code %(code)s exists already.") % {"code": code},
            code="product_code_taken",
            details={"field": "code"},
        )


def product_create(*, acting_user: User, data: Mapping[str, Any]) -> Product:
    """Add a product to the catalogue (managers and administrators). Codes are unique,
    ignoring case."""
    require_catalogue_manager(acting_user)
    values = _product_values(data, partial=False)
    with transaction.atomic():
        _code_taken(values["code"])
        with check.unique(_("That product code was just taken."), "product_code_taken", "code"):
            product = Product.objects.create(**values)
        audit.record(
            action="create",
            obj=product,
            actor=acting_user,
            after=audit.values(product, PRODUCT_FIELDS),
        )
    return product


def product_update(
    *, product_id: int, acting_user: User, changes: Mapping[str, Any], expected_version: int | None
) -> Product:
    """Change a product; proposals made earlier keep the price and code they copied."""
    require_catalogue_manager(acting_user)
    unknown = sorted(set(changes) - set(PRODUCT_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown product fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    values = _product_values(changes, partial=True)
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise NotFound(_("No product %(id)s.") % {"id": product_id}, code="product_not_found")
        check.check_version(product.version, expected_version, _("product"))
        if "code" in values:
            _code_taken(values["code"], exclude=product.pk)
        before = audit.values(product, list(values))
        for name, value in values.items():
            setattr(product, name, value)
        product.version = F("version") + 1
        product.save()
        product.refresh_from_db()
        audit.record(
            action="update",
            obj=product,
            actor=acting_user,
            before=before,
            after=audit.values(product, list(values)),
        )
    return product
