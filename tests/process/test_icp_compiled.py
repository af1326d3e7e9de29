"""A compiled profile scores exactly as ``icp.fit`` and ``json.dumps`` of its explanation, for
every operator and every kind of value, cached or not. No database."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

import pytest

from traseu.process import icp, icp_compiled

EVERY_OPERATOR = """\
icp: all
name: All operators
criteria:
  - {key: industry, attribute: industry, in: [Software, "IT services"], weight: 3}
  - {key: not_retail, attribute: industry, not_in: [Retail], weight: 1}
  - {key: size, attribute: employees, between: [20, 500], weight: 2.5}
  - {key: open_low, attribute: employees, between: [null, 50], weight: 1}
  - {key: rich, attribute: annual_revenue, at_least: 1000000, weight: 2}
  - {key: small, attribute: annual_revenue, at_most: 99.5, weight: 1}
  - {key: region, attribute: country, in: [cee, MD], weight: 2}
  - {key: tags, attribute: tags, any_of: [b2b, saas], weight: 1}
  - {key: all_tags, attribute: tags, all_of: [b2b, saas], weight: 1}
  - {key: customer, attribute: is_customer, equals: false, weight: 1}
  - {key: efactura, attribute: custom.efactura, equals: true, weight: 1}
  - {key: seats, attribute: custom.seats, equals: 10, weight: 1}
  - {key: has_domain, attribute: domain, present: true, weight: 1}
  - {key: no_name, attribute: name, present: false, weight: 1, label: "Ţară fără nume"}
"""
VALUES: dict[str, list[Any]] = {
    "industry": [None, "", "software", "Retail", " IT Services "],
    "employees": [None, 0, 20, 50, 51, 500, 501, Decimal("20.5"), "30", True],
    "annual_revenue": [None, Decimal("99.50"), Decimal("99.51"), Decimal("1000000.00"), 5, 7.5],
    "country": [None, "RO", "md", "US", ""],
    "tags": [None, "b2b", "b2b, saas", ["SaaS", "b2b"], [], "x"],
    "is_customer": [False, True, None],
    "custom": [{}, {"efactura": True, "seats": "10"}, {"efactura": "yes", "seats": 10.0}],
    "domain": ["", "nod.ro", None],
    "name": ["Nod", "", None],
}


def combinations(count: int) -> list[dict[str, Any]]:
    """``count`` attribute sets walking through VALUES (each value met many times)."""
    keys = list(VALUES)
    rows = []
    for n in range(count):
        rows.append(
            {key: VALUES[key][(n * (i + 3)) % len(VALUES[key])] for i, key in enumerate(keys)}
        )
    return rows


@pytest.mark.parametrize("document", [EVERY_OPERATOR, icp.DOCUMENTS / "software-smb.yaml"])
def test_score_json_is_fit_and_json_dumps_for_every_value(document: Any) -> None:
    definition = icp.load_text(document) if isinstance(document, str) else icp.load_file(document)
    compiled = icp_compiled.compile_profile(definition)

    for attributes in itertools.chain(combinations(400), combinations(400)):  # cold, then cached
        expected = icp.fit(definition, attributes)
        score, text = compiled.score_json(attributes)
        assert (score, text) == (expected.score, json.dumps(expected.explanation()))


def test_the_caches_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(icp_compiled, "CACHE_LIMIT", 5)
    definition = icp.load_text(EVERY_OPERATOR)
    compiled = icp_compiled.compile_profile(definition)

    for n in range(50):
        attributes = {"employees": n, "annual_revenue": Decimal(n), "industry": f"i{n}"}
        assert compiled.score_json(attributes)[1] == json.dumps(
            icp.fit(definition, attributes).explanation()
        )

    assert max(len(part.cache) for part in compiled.parts) <= 5
