"""API shapes of accounts and contacts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from traseu.apikit.ids import RecordId
from traseu.apikit.schemas import Patch
from traseu.crm.schemas import AccountRef, Custom, UserRef

MAX_EMPLOYEES = 2_147_483_647  # the column is a 32-bit integer on PostgreSQL


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    employees: int | None
    annual_revenue: Decimal | None
    country: str
    is_customer: bool
    owner: UserRef | None
    account_manager: UserRef | None = Field(
        description="Who looks after the customer after the sale; they see the account."
    )
    custom: Custom
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back (or as If-Match) when editing.")


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


class AccountFilters(Schema):
    q: str = Field("", description="Words in the name or the domain.")
    domain: str = ""
    owner: str = Field("", description="Username of the owner.")
    customer: bool | None = None
    sort: str = Field("name", description="name, created_at, updated_at; - for descending.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class AccountIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    domain: str = Field("", max_length=200)
    industry: str = Field("", max_length=100)
    employees: int | None = Field(None, ge=0, le=MAX_EMPLOYEES)
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    country: str = Field("", max_length=2, description="ISO 3166 code, e.g. RO.")
    is_customer: bool = False
    owner: str | None = Field(None, description="Username.")
    custom: Custom = {}

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude={"owner"})


class AccountPatch(Patch):
    """Only the fields sent change; ``custom`` is merged key by key. Only ``employees``,
    ``annual_revenue`` and ``owner`` (which clears it) may be null."""

    not_null = ("name", "domain", "industry", "country", "is_customer", "custom")

    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=200)
    industry: str | None = Field(None, max_length=100)
    employees: int | None = Field(None, ge=0, le=MAX_EMPLOYEES)
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    country: str | None = Field(None, max_length=2)
    is_customer: bool | None = None
    owner: str | None = Field(None, description="Username; null clears the owner.")
    account_manager: str | None = Field(
        None,
        description="Username; null clears it. Sales managers and administrators only.",
    )
    custom: Custom | None = None
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class ContactOut(Schema):
    id: int
    account: AccountRef | None
    first_name: str
    last_name: str
    email: str
    phone: str
    job_title: str
    custom: Custom
    created_at: dt.datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactFilters(Schema):
    account: RecordId | None = Field(None, description="Account id.")
    q: str = Field("", description="Words in the name or the e-mail.")
    sort: str = Field("last_name", description="last_name, email, created_at; - descending.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ContactIn(Schema):
    account_id: RecordId | None = None
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100, description="A last name or an e-mail is needed.")
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    job_title: str = Field("", max_length=120)
    custom: Custom = {}
