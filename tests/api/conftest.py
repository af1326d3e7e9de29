"""An API client per person (a write token by default) and the route table of the OpenAPI
document, so that access tests cover every route, including ones added later."""

from __future__ import annotations

import json
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


def operations() -> list[tuple[str, str, Json]]:
    """Every (method, path template, operation) of the OpenAPI document."""
    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))  # as clients see it
    return [
        (method.upper(), path.removeprefix("/api/v1"), operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def fill(path: str, **ids: Any) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    return path


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
}
