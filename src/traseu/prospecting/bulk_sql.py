"""Writing prospects in bulk with the database's fastest path, as the ORM would store them.

SQLite: one ``executemany`` per batch on the raw connection (the adapters Django registers
apply: decimals as text; times are given as Django gives them, naive UTC text). PostgreSQL:
psycopg 3's ``COPY ... FROM STDIN`` for new rows. Every NOT NULL column gets the value the
model's default would give; JSON is serialised with ``json.dumps`` as ``JSONField`` does.
Updates are one ``executemany`` of ``UPDATE ... WHERE id`` on both.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from traseu.prospecting.models import Prospect, ProspectStatus

TABLE = Prospect._meta.db_table
ROW_COLUMNS = (
    "company_name",
    "name_key",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_title",
    "contact_phone",
    "source",
    "external_id",
    "custom",
    "dedupe_key",
    "fit_score",
    "fit_explanation",
    "account_id",
    "matched_by",
)
INSERT_COLUMNS = (
    "prospect_list_id",
    *ROW_COLUMNS,
    "status",
    "disqualified_reason",
    "created_at",
    "updated_at",
    "created_by_id",
)
_dumps = json.dumps


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(column) for column in columns)


@dataclass(frozen=True)
class Writer:
    """Inserts and updates for the current connection's database."""

    vendor: str

    @classmethod
    def for_connection(cls) -> Writer:
        return cls(connection.vendor)

    def _time(self, value: dt.datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(value)

    def insert(
        self,
        rows: Sequence[tuple[Any, ...]],
        *,
        list_id: int,
        created_by_id: int | None,
        created_at: dt.datetime,
        updated_at: dt.datetime,
    ) -> None:
        """Insert ``rows`` (ROW_COLUMNS values, ``custom`` and ``fit_explanation`` as JSON
        text) into the list."""
        if not rows:
            return
        head = (list_id,)
        tail = (
            ProspectStatus.NEW.value,
            "",
            self._time(created_at),
            self._time(updated_at),
            created_by_id,
        )
        tuples = (head + row + tail for row in rows)
        if self.vendor == "postgresql":
            copy_rows(INSERT_COLUMNS, tuples)
        else:
            executemany_rows(INSERT_COLUMNS, tuples)

    def update(self, rows: Sequence[tuple[Any, ...]], updated_at: dt.datetime) -> None:
        """Rewrite every ROW_COLUMNS value (and ``updated_at``) of stored prospects: each
        row is those values, then the prospect's id."""
        if not rows:
            return
        when = self._time(updated_at)
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(column)} = %s" for column in ROW_COLUMNS)
        sql = (
            f"UPDATE {quote(TABLE)} SET {assignments}, {quote('updated_at')} = %s "  # noqa: S608
            "WHERE id = %s"
        )
        with connection.cursor() as cursor:
            cursor.executemany(sql, [(*row[:-1], when, row[-1]) for row in rows])


def executemany_rows(columns: Sequence[str], rows: Any) -> None:
    """SQLite: one prepared INSERT run for every row, on the raw connection."""
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {connection.ops.quote_name(TABLE)} ({_quoted(columns)}) VALUES ({marks})"  # noqa: S608
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    raw.executemany(sql, rows)


def copy_rows(columns: Sequence[str], rows: Any) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` (psycopg 3), row by row in text format."""
    sql = f"COPY {connection.ops.quote_name(TABLE)} ({_quoted(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


# --- reading: one statement per batch, the keys passed as one JSON list (json_each on SQLite,
# json_array_elements_text on PostgreSQL): a batch of 5,000 keys is one parameter, not 5,000 ---

EXISTING_COLUMNS = (
    "id",
    "dedupe_key",
    "account_id",
    "matched_by",
    "company_name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_title",
    "contact_phone",
    "source",
    "external_id",
    "custom",
)
ACCOUNT_COLUMNS = (
    "k.account_id",
    "k.domain",
    "k.name_key",
    "a.name",
    "a.domain",
    "a.industry",
    "a.employees",
    "a.annual_revenue",
    "a.country",
    "a.is_customer",
    "a.custom",
)
_CENT = Decimal("0.01")
_SQLITE_FLOAT = decimal.Context(prec=15).create_decimal_from_float  # as Django reads SQLite


def _in(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"{column} IN (SELECT json_array_elements_text(%s::json))"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608


def _keys(values: Iterable[str]) -> str:
    return json.dumps(sorted(values))


def fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run a read on the DB-API connection itself (in the current transaction). Not through
    Django's cursor: with DEBUG on, its query log would keep every batch's list of keys (a
    million-row import would hold hundreds of megabytes of them)."""
    connection.ensure_connection()
    raw: Any = connection.connection
    if connection.vendor == "sqlite":
        return list(raw.execute(sql.replace("%s", "?"), params).fetchall())
    with raw.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def decimal_value(value: Any) -> Decimal | None:
    """A decimal column's value as the ORM gives it (SQLite hands back floats)."""
    if value is None or isinstance(value, Decimal):
        return value
    return _SQLITE_FLOAT(value).quantize(_CENT)


def json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def existing_prospects(
    list_id: int, keys: Iterable[str], external_ids: Iterable[str]
) -> list[dict[str, Any]]:
    """The list's prospects with any of ``keys`` (dedupe keys) or ``external_ids``."""
    # A UNION, not an OR: so each half uses its unique index (an OR makes SQLite scan the
    # whole list); the partial index on external ids is used when its condition is repeated.
    sql = (
        f"SELECT {', '.join(EXISTING_COLUMNS)} FROM {TABLE} WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {TABLE} WHERE prospect_list_id = %s AND {_in('dedupe_key')} UNION "
        f"SELECT id FROM {TABLE} WHERE prospect_list_id = %s AND NOT (external_id = '') "
        f"AND {_in('external_id')})"
    )
    rows = fetch(sql, [list_id, _keys(keys), list_id, _keys(external_ids)])
    found = [dict(zip(EXISTING_COLUMNS, row, strict=True)) for row in rows]
    for values in found:
        values["pk"] = values.pop("id")
        values["annual_revenue"] = decimal_value(values["annual_revenue"])
        values["custom"] = json_value(values["custom"])
    return found


def account_keys(domains: Iterable[str], names: Iterable[str]) -> list[tuple[Any, ...]]:
    """Accounts whose key has one of ``domains`` or ``names``: (account id, key domain, key
    name, then the account's name, domain, industry, employees, annual revenue, country,
    is_customer, custom), customers first, then the oldest."""
    sql = (
        f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM prospecting_accountkey k "  # noqa: S608
        "JOIN crm_account a ON a.id = k.account_id "
        f"WHERE {_in('k.domain')} OR {_in('k.name_key')} "
        "ORDER BY a.is_customer DESC, k.account_id"
    )
    rows = fetch(sql, [_keys(domains), _keys(names)])
    return [
        (*row[:7], decimal_value(row[7]), row[8], bool(row[9]), json_value(row[10])) for row in rows
    ]
