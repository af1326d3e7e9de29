"""The plain snapshot of a deal that criteria are evaluated against.

The CRM builds one :class:`DealFacts` per decision from the database; tests and benchmarks build
them by hand. Nothing here knows about models or queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The fields a deal and its account expose to criteria (besides ``custom.<name>``). The CRM's
# facts builder fills exactly these; a test keeps the two in step.
DEAL_FIELDS = (
    "title",
    "amount",
    "currency",
    "expected_close",
    "source",
    "status",
    "stage",
    "probability",
    "owner",
    "age_days",
    "days_in_stage",
    "custom",
    # Filled by the sales app's facts provider (traseu.sales.facts):
    "proposal_status",  # the newest proposal version's status, or None
    "competitors_analysed",  # how many competitors on the deal have a full analysis
    "contract_status",  # drafting / negotiating / signed / cancelled, or None
    # Filled by the after-sale app's facts provider (traseu.aftersale.facts):
    "feedback_received",  # the follow-up call's feedback is recorded
)
ACCOUNT_FIELDS = (
    "name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "is_customer",
    "custom",
)
FIELDS = {"deal": DEAL_FIELDS, "account": ACCOUNT_FIELDS}


@dataclass(frozen=True, slots=True)
class ContactFact:
    name: str
    role: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class ActivityFact:
    type: str
    stage: str = ""
    at: dt.datetime | None = None
    done: bool = True


@dataclass(frozen=True, slots=True)
class TaskFact:
    stage: str
    template: str
    done: bool


@dataclass(frozen=True, slots=True)
class DocumentFact:
    kind: str
    status: str


@dataclass(frozen=True)
class DealFacts:
    """Everything a gate may look at, as plain values.

    ``deal`` and ``account`` are mappings of field name to value (a ``custom`` key holds custom
    attributes); ``qualification`` maps a framework key to ``{criterion: status}``, and
    ``qualification_answered`` to ``{criterion: when that answer was given}``.
    """

    deal: Mapping[str, Any] = field(default_factory=dict)
    account: Mapping[str, Any] = field(default_factory=dict)
    contacts: Sequence[ContactFact] = ()
    activities: Sequence[ActivityFact] = ()
    tasks: Sequence[TaskFact] = ()
    qualification: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    documents: Sequence[DocumentFact] = ()
    # When each current answer in ``qualification`` was given (for ``within_days``).
    qualification_answered: Mapping[str, Mapping[str, dt.datetime]] = field(default_factory=dict)
    _cel_cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, path: str) -> Any:
        """Resolve a dotted path such as ``deal.amount`` or ``account.custom.segment``.

        A missing segment gives ``None`` rather than an error: an absent fact is an unmet
        criterion, not a crash.
        """
        root, _, rest = path.partition(".")
        value: Any = {"deal": self.deal, "account": self.account}.get(root)
        for part in rest.split(".") if rest else ():
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    def cel_value(self, name: str) -> Any:
        """One fact as a CEL value (decimals become floats, dates timestamps), converted once."""
        if name not in self._cel_cache:
            self._cel_cache[name] = self._convert(name)
        return self._cel_cache[name]

    def _convert(self, name: str) -> Any:
        if name in ("deal", "account"):
            return _to_cel(getattr(self, name))
        if name == "contacts":
            return [{"name": c.name, "role": c.role, "email": c.email} for c in self.contacts]
        if name == "activities":
            return [
                {"type": a.type, "stage": a.stage, "done": a.done, "at": _to_cel(a.at)}
                for a in self.activities
            ]
        if name == "tasks":
            return [{"stage": t.stage, "template": t.template, "done": t.done} for t in self.tasks]
        if name == "qualification":
            return {k: dict(v) for k, v in self.qualification.items()}
        if name == "documents":
            return [{"kind": d.kind, "status": d.status} for d in self.documents]
        raise KeyError(name)


def _to_cel(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _to_cel(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_cel(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if value is None:
        return None
    return value


def is_present(value: Any) -> bool:
    """A fact counts as present when it is not None, not blank text and not an empty list."""
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list | tuple | dict | set):
        return len(value) > 0
    return True
