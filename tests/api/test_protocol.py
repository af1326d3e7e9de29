"""What every route shares: one error shape, idempotent POSTs, rate limits, the OpenAPI
document and who may read the docs."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from tests.api.conftest import Api, operations
from traseu.apikit.errors import as_traseu_error
from traseu.apikit.ratelimit import check_rate
from traseu.core.errors import RateLimited
from traseu.core.models import IdempotencyRecord, User
from traseu.crm.models import Deal
from traseu.prospecting.services import prospect_list_create

pytestmark = pytest.mark.django_db


def test_errors_have_one_shape_with_the_right_status(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    api = as_user("rep")
    malformed = api.post(f"/deals/{deal.pk}/move", raw="{not json")
    invalid = api.post(f"/deals/{deal.pk}/move", {"reason": 3})
    unknown_route = api.post("/dealz/", headers={"Idempotency-Key": "k"})
    not_an_id = api.get("/deals/abc")
    root = api.get("/")
    wrong_method = api.client.delete(f"/api/v1/deals/{deal.pk}", headers=api.headers)
    for response, status, code in (
        (malformed, 400, "malformed"),
        (invalid, 422, "invalid"),
        (unknown_route, 404, "route_not_found"),
        (not_an_id, 404, "route_not_found"),
        (root, 404, "route_not_found"),
        (wrong_method, 405, "method_not_allowed"),
    ):
        assert response.status_code == status
        assert set(response.json()) == {"code", "message", "details"}
        assert response.json()["code"] == code
    assert invalid.json()["details"]["errors"] == [
        {"field": "to", "location": "body", "message": "Field required", "type": "missing"},
        {
            "field": "reason",
            "location": "body",
            "message": "Input should be a valid string",
            "type": "string_type",
        },
    ]
    assert set(wrong_method["Allow"].split(", ")) == {"GET", "PATCH"}
    nul_body = api.post(f"/deals/{deal.pk}/move", {"to": "qualification\u0000"})
    nul_query = api.get("/deals/", stage="x\x00")
    too_big = api.post(
        "/processes/validate", raw=b"x" * (3 * 1024 * 1024), content_type="text/plain"
    )
    for refused in (nul_body, nul_query, too_big):
        assert (refused.status_code, refused.json()["code"]) == (400, "malformed")
    query = api.get("/deals/", limit=0).json()["details"]["errors"][0]
    assert (query["field"], query["location"]) == ("limit", "query")


def test_an_unexpected_failure_is_logged_and_reveals_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = as_traseu_error(ZeroDivisionError("secret detail"))
    assert (error.status, error.code) == (500, "internal_error")
    assert "secret" not in error.message
    assert "secret detail" in caplog.text


def test_a_retried_post_replays_the_first_answer(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    api = as_user("rep")
    url, body = f"/deals/{deal.pk}/activities", {"type": "call", "subject": "Once"}
    key = {"Idempotency-Key": "retry-42"}
    first = api.post(url, body, headers=key)
    second = api.post(url, body, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert deal.activities.filter(subject="Once").count() == 1
    reused = api.post(url, {**body, "subject": "Twice"}, headers=key)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    other_user = as_user("rep2").post(url, body, headers=key)
    assert other_user.status_code == 201  # keys belong to one user
    assert deal.activities.filter(subject="Once").count() == 2


def test_a_failed_post_gives_its_key_back_and_old_keys_expire(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    api = as_user("rep")
    key = {"Idempotency-Key": "move-1"}
    refused = api.post(f"/deals/{deal.pk}/move", {"to": "qualification"}, headers=key)
    assert refused.status_code == 409
    assert not IdempotencyRecord.objects.exists()
    deal.account.industry = "Retail"
    deal.account.save()
    moved = api.post(f"/deals/{deal.pk}/move", {"to": "qualification"}, headers=key)
    assert moved.status_code == 200
    record = IdempotencyRecord.objects.get()
    assert (record.status, record.method, record.path) == (
        200,
        "POST",
        f"/api/v1/deals/{deal.pk}/move",
    )
    IdempotencyRecord.objects.update(created_at=record.created_at - dt.timedelta(hours=25))
    expired = api.post(f"/deals/{deal.pk}/move", {"to": "qualification"}, headers=key)
    assert expired.json()["details"]["violations"][0]["code"] == "same_stage"  # ran again
    blank = api.post(f"/deals/{deal.pk}/move", {"to": "x"}, headers={"Idempotency-Key": " "})
    assert (blank.status_code, blank.json()["code"]) == (400, "idempotency_key_invalid")


def test_a_key_still_running_is_refused(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal], people: dict[str, User]
) -> None:
    deal = make_deal()
    api = as_user("rep")
    url, body = f"/deals/{deal.pk}/activities", {"type": "note"}
    api.post(url, body, headers={"Idempotency-Key": "k"})
    IdempotencyRecord.objects.update(status=None)  # as if the first request had not finished
    running = api.post(url, body, headers={"Idempotency-Key": "k"})
    assert (running.status_code, running.json()["code"]) == (409, "idempotency_key_in_use")


NO_BOUNDARY = "multipart/form-data"  # a multipart body Django cannot parse
MULTIPART_BODY = (
    b'--b\r\nContent-Disposition: form-data; name="to"\r\n\r\nqualification\r\n--b--\r\n'
)


def test_a_multipart_body_that_cannot_be_read_is_400_not_500(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal], people: dict[str, User]
) -> None:
    """Django raises MultiPartParserError when it reads such a body: the API answers 400 in its
    error shape, whichever reads it (the Idempotency-Key fingerprint, the CSRF check of a
    signed-in request), and changes nothing."""
    deal = make_deal()
    task = deal.activities.get()
    api = as_user("rep")
    key = {"Idempotency-Key": "no-boundary"}
    answers = [
        # a JSON route: the body is not JSON (400 as before), or it is and the key's
        # fingerprint reads the body as the multipart its Content-Type says it is
        api.post(f"/deals/{deal.pk}/move", raw=MULTIPART_BODY, content_type=NO_BOUNDARY),
        api.post(
            f"/deals/{deal.pk}/move",
            raw=json.dumps({"to": "qualification"}),
            content_type=NO_BOUNDARY,
            headers=key,
        ),
        # a route without a body
        api.post(
            f"/deals/{deal.pk}/tasks/{task.pk}/complete",
            raw=MULTIPART_BODY,
            content_type=NO_BOUNDARY,
            headers=key,
        ),
    ]
    browser = Client(enforce_csrf_checks=True)  # the session's CSRF check reads the form
    browser.force_login(people["rep"])
    browser.cookies["csrftoken"] = "x" * 32
    answers.append(
        browser.post(
            f"/api/v1/deals/{deal.pk}/move",
            MULTIPART_BODY,
            content_type=NO_BOUNDARY,
            headers={"X-CSRFToken": "x" * 32},
        )
    )
    for answer in answers:
        assert answer.status_code == 400, answer.content
        assert answer.json()["code"] == "malformed"
        assert set(answer.json()) == {"code", "message", "details"}
    assert not IdempotencyRecord.objects.exists()
    task.refresh_from_db()
    deal.refresh_from_db()
    assert (task.done, deal.version) == (False, 1)


def test_a_web_form_that_cannot_be_read_is_400_not_500(people: dict[str, User]) -> None:
    """Outside the API Django itself answers 400 (its handler of MultiPartParserError)."""
    browser = Client()
    browser.force_login(people["rep"])
    plist = prospect_list_create(name="Cluj", acting_user=people["rep"])
    answer = browser.post(
        reverse("prospect_add", args=[plist.pk]), MULTIPART_BODY, content_type=NO_BOUNDARY
    )
    assert answer.status_code == 400
    assert not plist.prospects.exists()


@override_settings(API_RATE_LIMIT_PER_CREDENTIAL=3, API_RATE_LIMIT_PER_IP=0)
def test_a_token_over_its_limit_gets_429_with_retry_after(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    make_deal()
    api = as_user("rep")
    statuses = [api.get("/deals/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.get("/deals/")
    assert limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["details"]["retry_after"] == int(limited["Retry-After"])
    assert as_user("rep2").get("/deals/").status_code == 200  # another token has its own budget


@override_settings(API_RATE_LIMIT_PER_IP=2, API_RATE_LIMIT_PER_CREDENTIAL=0)
def test_an_ip_over_its_limit_gets_429_even_without_credentials(
    anonymous: Api, make_deal: Callable[..., Deal]
) -> None:
    assert [anonymous.get("/deals/").status_code for _ in range(3)] == [401, 401, 429]
    other_ip = Client(REMOTE_ADDR="10.0.0.9").get("/api/v1/deals/")
    assert other_ip.status_code == 401


@override_settings(API_RATE_LIMIT_PER_IP=1, API_RATE_LIMIT_WINDOW=60)
def test_the_window_resets_and_says_how_long_to_wait(rf: RequestFactory) -> None:
    made = rf.get("/api/v1/deals/", REMOTE_ADDR="10.1.1.1")
    check_rate(made, now=120.0)
    with pytest.raises(RateLimited) as caught:
        check_rate(made, now=150.0)
    assert caught.value.retry_after == 30
    check_rate(made, now=180.0)  # a new window


@override_settings(DEBUG=True)
def test_the_openapi_document_lists_every_status_of_the_move(db: None) -> None:
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    move = schema["paths"]["/api/v1/deals/{deal_id}/move"]["post"]
    assert set(move["responses"]) == {"200", "400", "401", "403", "404", "409", "422", "429"}
    rejection = move["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert rejection.endswith("/GateRejection")
    gate = schema["components"]["schemas"]["GateDetails"]
    assert set(gate["properties"]) == {"unmet", "violations"}
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    for method, path, operation in operations():
        assert {"401", "429"} <= set(operation["responses"]), (method, path)
        if method != "GET":
            assert {"400", "403", "422"} <= set(operation["responses"]) or path.endswith(
                "/validate"
            ), (method, path)


@override_settings(DEBUG=False)
def test_the_docs_are_for_staff_when_debug_is_off(people: dict[str, User]) -> None:
    anonymous = Client().get("/api/v1/docs")
    assert anonymous.status_code == 302
    rep = Client()
    rep.force_login(people["rep"])
    assert rep.get("/api/v1/openapi.json").status_code == 403
    staff = Client()
    people["manager"].is_staff = True
    people["manager"].save()
    staff.force_login(people["manager"])
    page = staff.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"swagger-ui-bundle.js" in page.content
    assert b"cdn." not in page.content  # served from our own static files
    assert staff.get("/api/v1/openapi.json").json()["info"]["version"] == "1"


@override_settings(DEBUG=True)
def test_the_openapi_document_has_no_key_twice(db: None) -> None:
    """Swagger UI refuses a document with a repeated key ("duplicated mapping key") and shows
    nothing at all; Python's json keeps the last one silently. A route that documented its
    200 as "200" beside django-ninja's 200 did exactly that."""
    repeated: list[str] = []

    def keep_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        repeated.extend(sorted({key for key in keys if keys.count(key) > 1}))
        return dict(pairs)

    json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=keep_pairs)
    assert repeated == []
