"""An API client per person (a write token by default) and the route table of the OpenAPI
document, so that access tests cover every route, including ones added later."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from traseu.api import api as ninja_api
from traseu.core.models import User
from traseu.core.tokens import token_create

Json = dict[str, Any]


class Api:
    """A thin JSON client for /api/v1 that sends a bearer token (or no credentials)."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
        content_type: str = "application/json",
        **query: Any,
    ) -> Any:
        url = f"/api/v1{path}"
        all_headers = {**self.headers, **(headers or {})}
        if method == "GET":
            return self.client.get(url, query, headers=all_headers)
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        send = getattr(self.client, method.lower())
        return send(url, data, content_type=content_type, headers=all_headers)

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.call("PUT", path, body, **kw)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_user(people: dict[str, User]) -> Callable[..., Api]:
    """``as_user("rep")``: an API client with a write token of that person."""

    def make(name: str, scope: str = "write") -> Api:
        _, token = token_create(user=people[name], name=f"{name}-{scope}", scope=scope)
        return Api(Client(), token)

    return make


@pytest.fixture
def anonymous() -> Api:
    return Api(Client(), None)


@functools.cache
def document() -> Json:
    """The OpenAPI document, as clients see it."""
    return json.loads(json.dumps(ninja_api.get_openapi_schema()))  # type: ignore[no-any-return]


def operations() -> list[tuple[str, str, Json]]:
    """Every (method, path template, operation) of the OpenAPI document."""
    schema = document()
    return [
        (method.upper(), path.removeprefix("/api/v1"), operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def fill(path: str, *, default: Any = 1, **ids: Any) -> str:
    """Put values into a path template: those given by name, and ``default`` for every other
    parameter, so that a route added later (with a new ``{..._id}``) is filled too."""
    return PATH_PARAMETER.sub(lambda match: str(ids.get(match.group(1), default)), path)


def required_fields(operation: Json) -> list[str]:
    """The JSON body fields an operation requires (none when it takes no JSON body)."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document()["components"]["schemas"][name]
    return list(schema.get("required", []))


# A body each write route accepts, so that access checks are not answered by validation.
BODIES: dict[str, Any] = {
    "deal_create": {"title": "X", "account_id": 1, "process": "test-route"},
    "deal_update": {"title": "Renamed"},
    "deal_move": {"to": "qualification"},
    "deal_activity_log": {"type": "call", "subject": "Call"},
    "deal_qualification_answer": {"criterion": "budget", "status": "confirmed"},
    "deal_contact_set": {"role": "champion"},
    "deal_document_set": {"title": "Offer", "status": "sent"},
    "account_create": {"name": "Globex"},
    "account_update": {"name": "Globex"},
    "contact_create": {"last_name": "Pop"},
    "deal_competitor_add": {"competitor_id": 1},
    "deal_market_note_add": {"text": "They compare us with Globex."},
    "deal_contract_round_add": {"asked_by": "client", "asked": "A 5% discount"},
    "deal_proposal_create": {},
    "deal_competitor_winner": {"competitor_id": None},
    "deal_contract_create": {},
    "deal_contract_update": {"terms": "Net 30"},
    "deal_competitor_update": {"strengths": "Price"},
    "proposal_update": {"title": "Offer"},
    "proposal_line_add": {"description": "Setup", "quantity": "1", "unit_price": "100"},
    "proposal_line_update": {"description": "Setup", "quantity": "2", "unit_price": "100"},
    "proposal_status": {"status": "sent"},
    "follow_up_complete_api": {"outcome": "not_reached"},
    "product_create": {"name": "Seat", "code": "SEAT", "unit_price": "10", "currency": "EUR"},
    "product_update": {"name": "Seat"},
    "competitor_create": {"name": "Globex"},
    "webhook_create": {"url": "http://127.0.0.1:9/hook", "event_kinds": ["deal.won"]},
    "webhook_update": {"active": False},
    "prospect_add": {"company_name": "Delta"},
    "prospect_disqualify": {"reason": "Too small"},
    "prospect_convert": {"process": "test-route"},
}
