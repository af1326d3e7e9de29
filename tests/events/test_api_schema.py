"""Property-based run of the webhook routes against the OpenAPI document, as an administrator
(the suite-wide run in tests/api uses a manager, who gets 403 here): no 5xx, only documented
statuses, bodies matching their schemas, schema-invalid requests refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis import checks

from traseu.api import api
from traseu.core.models import User
from traseu.core.tokens import token_create
from traseu.events.services import emit
from traseu.events.webhooks import webhook_create

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = get_wsgi_application()
webhook_routes = schema.include(path_regex="^/api/v1/webhooks/")


@pytest.fixture
def one_connection() -> Iterator[None]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(admin: User, one_connection: None) -> str:
    """An administrator's write token, with a webhook and a delivery to find."""
    webhook_create(actor=admin, url="https://hooks.example.com/in", event_kinds=["deal.won"])
    with transaction.atomic():
        emit("deal.won", {"deal_id": 1})
    _, token = token_create(user=admin, name="schemathesis", scope="write")
    return token


@webhook_routes.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_webhook_answer_matches_the_document(case: Any, admin_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
            checks.negative_data_rejection,
        ],
    )
