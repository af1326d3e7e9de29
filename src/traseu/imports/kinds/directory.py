"""Accounts and contacts: through the CRM's own services, recognised before they are created."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.models import User
from traseu.crm.access import accounts_writable_by
from traseu.crm.models import Account, Contact
from traseu.crm.services import account_create, account_update, contact_create, normalise_domain
from traseu.imports.kinds.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Context,
    account_by_keys,
    changed_fields,
    keys_lookup,
    owner_of,
    quiet_text,
    ref_get,
    ref_id,
    ref_set,
)
from traseu.imports.values import Cells
from traseu.prospecting.fit import fits_deferred
from traseu.prospecting.names import normalise_name


@dataclass
class AccountRow:
    external_id: str
    values: dict[str, Any]
    owner: User | None


def _country(cells: Cells, context: Context) -> str:
    country = cells.text("country").upper() or (context.mapping.defaults.country or "")
    if country and (len(country) != 2 or not country.isalpha()):
        raise cells.error(
            "country",
            country,
            _("'%(value)s' is not a two-letter ISO country code such as RO.") % {"value": country},
            "country",
        )
    return country


class Accounts:
    ref_kind = "account"

    def prepare(self, context: Context) -> None:
        return None

    def check(self, context: Context, cells: Cells) -> AccountRow:
        domain = normalise_domain(cells.text("domain") or cells.text("website"))
        values: dict[str, Any] = {
            "name": cells.required("name"),
            "domain": domain,
            "industry": cells.text("industry"),
            "employees": cells.integer("employees"),
            "annual_revenue": cells.amount("annual_revenue"),
            "country": _country(cells, context),
            "is_customer": cells.flag("is_customer"),
            "custom": cells.custom(),
        }
        owner = owner_of(context, cells) if cells.has("owner") else None
        matches, writable = context.cache.get("account_access") or _access(context, [cells])
        if cells.row.number in matches and matches[cells.row.number] not in writable:
            raise cells.error(
                "name",
                values["name"],
                _("This row matches an account you may not change."),
                "account_forbidden",
            )
        return AccountRow(cells.text("external_id"), values, owner)

    def precheck(self, context: Context, rows: list[Cells]) -> None:
        context.cache["account_access"] = _access(context, rows)

    def prefetch(self, context: Context, batch: list[AccountRow]) -> None:
        ids = [ref_id(context, context.source, "account", item.external_id) for item in batch]
        context.cache["accounts"] = Account.objects.in_bulk([i for i in ids if i])
        domains = {item.values["domain"] for item in batch if item.values["domain"]}
        names = {normalise_name(item.values["name"]) for item in batch}
        context.cache["keys"] = keys_lookup(domains, names - {""})

    def store(self, context: Context, item: AccountRow) -> str:
        _account, outcome = account_upsert(context, item.external_id, item.values, item.owner)
        return outcome

    def batch_scope(self, context: Context) -> AbstractContextManager[None]:
        return fits_deferred()

    def finish(self, context: Context) -> dict[str, int]:
        return {}


def _access(context: Context, rows: list[Cells]) -> tuple[dict[int, int], set[int]]:
    """Which account each row of a chunk matches (row number: account id; by external id,
    then domain, then name) and which of those the importing user may change: three queries
    for the chunk, whatever its size."""
    wanted: dict[int, tuple[str, str]] = {}
    matches: dict[int, int] = {}
    for cells in rows:
        found = ref_id(context, context.source, "account", quiet_text(cells, "external_id"))
        if found:
            matches[cells.row.number] = found
            continue
        domain = normalise_domain(quiet_text(cells, "domain") or quiet_text(cells, "website"))
        wanted[cells.row.number] = (domain, normalise_name(quiet_text(cells, "name")))
    by_domain, by_name = keys_lookup(
        {d for d, _n in wanted.values() if d}, {n for _d, n in wanted.values() if n}
    )
    for number, (domain, name_key) in wanted.items():
        found = by_domain.get(domain) or by_name.get(name_key)
        if found:
            matches[number] = found
    ids = set(matches.values())
    writable = set(
        accounts_writable_by(context.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    existing = set(Account.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return {n: i for n, i in matches.items() if i in existing}, writable


def account_upsert(
    context: Context, external_id: str, values: dict[str, Any], owner: User | None
) -> tuple[Account, str]:
    """Find the account (external id, then domain, then name) and bring it up to date, or
    create it."""
    account = account_find(context, external_id, values.get("domain", ""), values["name"])
    if owner is not None:
        values = {**values, "owner": owner}
    if account is None:
        clean = {k: v for k, v in values.items() if v not in (None, "")}
        account = account_create(acting_user=context.user, **clean)
        _keys_added(context, account)
        outcome = CREATED
    else:
        changes = changed_fields(account, values)
        if changes:
            account = account_update(
                account_id=account.pk, acting_user=context.user, changes=changes
            )
        if "domain" in changes or "name" in changes:
            context.cache.pop("keys", None)  # an old key may no longer find it: ask the database
        outcome = UPDATED if changes else UNCHANGED
    ref_set(context, context.source, "account", external_id, account.pk)
    return account, outcome


def account_find(context: Context, external_id: str, domain: str, name: str) -> Account | None:
    """The account a row is: by the source's id, then normalised domain, then name (from the
    keys an accounts batch looked up at once, else one query per key)."""
    ref = ref_get(context, context.source, "account", external_id)
    account = None
    if ref is not None:
        prefetched = context.cache.get("accounts", {}).pop(ref.object_id, None)
        account = prefetched or Account.objects.filter(pk=ref.object_id).first()
    if account is not None:
        return account
    keys = context.cache.get("keys")
    if keys is None:
        return account_by_keys(domain=domain, name=name)
    by_domain, by_name = keys
    found = by_domain.get(domain) if domain else None
    if found is None and name.strip():
        found = by_name.get(normalise_name(name))
    return Account.objects.filter(pk=found).first() if found is not None else None


def _keys_added(context: Context, account: Account) -> None:
    """Let the batch's later rows find a new account by its keys, as the database would (an
    older account keeps a key it shares)."""
    keys = context.cache.get("keys")
    if keys is not None:
        by_domain, by_name = keys
        domain, name_key = normalise_domain(account.domain or ""), normalise_name(account.name)
        if domain:
            by_domain.setdefault(domain, account.pk)
        if name_key:
            by_name.setdefault(name_key, account.pk)


def account_for_row(context: Context, cells: Cells) -> tuple[str, str]:
    """What a contact's or deal's row says about its account: (reference, name). A reference
    must be known already (imported before); a name alone is found or created when stored."""
    reference, name = cells.text("account"), cells.text("account_name")
    if reference:
        ref = ref_get(context, context.mapping.refs_source, "account", reference)
        if ref is None and not name:
            raise cells.error(
                "account",
                reference,
                _("No account with the %(source)s id '%(id)s'; import the accounts first.")
                % {"source": context.mapping.refs_source, "id": reference},
                "account_unknown",
            )
    return reference, name


def account_resolve(context: Context, reference: str, name: str) -> Account | None:
    ref = ref_get(context, context.mapping.refs_source, "account", reference) if reference else None
    if ref is not None:
        prefetched = context.cache.get("accounts", {}).get(ref.object_id)
        found = prefetched or Account.objects.filter(pk=ref.object_id).first()
        if found is not None:
            return found
    if not name:
        return None
    account, _outcome = account_upsert(context, "", {"name": name, "domain": ""}, None)
    return account


@dataclass
class ContactRow:
    external_id: str
    values: dict[str, Any]
    account_reference: str
    account_name: str


def _names(cells: Cells) -> tuple[str, str]:
    first, last = cells.text("first_name"), cells.text("last_name")
    full = cells.text("full_name")
    if full and not (first or last):
        parts = full.split()
        first, last = " ".join(parts[:-1]), parts[-1]
    return first, last


class Contacts:
    ref_kind = "contact"

    def prepare(self, context: Context) -> None:
        return None

    def check(self, context: Context, cells: Cells) -> ContactRow:
        first, last = _names(cells)
        email = cells.email("email")
        if not last and not email:
            field = "last_name" if cells.has("last_name") else "full_name"
            raise cells.error(
                field, "", _("A contact needs a last name or an e-mail address."), "required"
            )
        reference, name = account_for_row(context, cells)
        values = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": cells.text("phone"),
            "job_title": cells.text("job_title"),
            "custom": cells.custom(),
        }
        return ContactRow(cells.text("external_id"), values, reference, name)

    def store(self, context: Context, item: ContactRow) -> str:
        ref = ref_get(context, context.source, "contact", item.external_id)
        contact = Contact.objects.filter(pk=ref.object_id).first() if ref else None
        email = item.values["email"]
        if contact is None and email:
            contact = Contact.objects.filter(email__iexact=email).order_by("pk").first()
        account = account_resolve(context, item.account_reference, item.account_name)
        if contact is None and not email and account is not None:
            contact = _same_name(account, item.values["first_name"], item.values["last_name"])
        values = {**item.values, "account": account}
        if contact is None:
            clean = {k: v for k, v in values.items() if v not in (None, "")}
            contact = contact_create(acting_user=context.user, **clean)
            outcome = CREATED
        else:
            outcome = _contact_update(context, contact, values)
        ref_set(context, context.source, "contact", item.external_id, contact.pk)
        return outcome

    def batch_scope(self, context: Context) -> AbstractContextManager[None]:
        return fits_deferred()  # accounts named by a contact are created on the way

    def finish(self, context: Context) -> dict[str, int]:
        return {}


def _same_name(account: Account, first: str, last: str) -> Contact | None:
    """A row without an id we know or an e-mail: the account's contact of the same first and
    last name (case aside) is that person, so importing the file again does not add them twice.
    Of two namesakes, the older."""
    return (
        Contact.objects.filter(
            account=account, first_name__iexact=first.strip(), last_name__iexact=last.strip()
        )
        .order_by("pk")
        .first()
    )


def _contact_update(context: Context, contact: Contact, values: dict[str, Any]) -> str:
    changes = changed_fields(contact, values)
    if not changes:
        return UNCHANGED
    with transaction.atomic():
        before = audit.values(contact, changes)
        for name, value in changes.items():
            if name == "custom":
                contact.custom = {**(contact.custom or {}), **value}
            else:
                setattr(contact, name, value)
        contact.save()
        audit.record(
            action="update",
            obj=contact,
            actor=context.user,
            before=before,
            after=audit.values(contact, changes),
        )
    return UPDATED
