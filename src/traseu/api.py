"""The REST API, version 1, mounted at ``/api/v1/`` (see docs/api.md).

Each app contributes a router; this module puts them together with what every route shares:
authentication (access tokens, or the browser session with CSRF), the one error mapping, the
rate limit, idempotent POSTs, and the OpenAPI document at ``/api/v1/openapi.json`` with its
interactive docs at ``/api/v1/docs`` (staff only when DEBUG is off).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.operation import Operation

from traseu.apikit.auth import SessionAuth, TokenAuth, docs_access
from traseu.apikit.errors import install_error_handler, json_errors
from traseu.apikit.idempotency import claim_or_replay, keep_answer
from traseu.apikit.ids import IdConverter  # noqa: F401 - registers the {id:...} converter
from traseu.apikit.parser import StrictParser
from traseu.apikit.ratelimit import rate_limited
from traseu.core.errors import NotFound
from traseu.crm.api import router as crm
from traseu.processes.api import router as processes


class TraseuAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The route's URL name (``deal_move``), stable for generated clients."""
        return getattr(operation, "url_name", None) or super().get_openapi_operation_id(operation)

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        """The routes, each answering a wrong method (405) in the error shape too."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = json_errors(pattern.callback)
        return patterns, app_name, namespace


api = TraseuAPI(
    title="Traseu API",
    version="1",
    description="Your sales process and the deals along it: processes, accounts, contacts, "
    "deals and their moves through the gates, qualification, activities and tasks, prospects, "
    "imports, proposals and contracts, handoffs and follow-ups, reports, webhooks and the "
    "audit trail. Send a personal access token as `Authorization: Bearer`. Lists are "
    "paginated by cursor; errors are always {code, message, details}. Guide: docs/api.md.",
    urls_namespace="api-v1",
    auth=[TokenAuth(), SessionAuth()],
    parser=StrictParser(),
    docs_decorator=docs_access,
)
install_error_handler(api)
# django-ninja's "view" decorators wrap the whole operation (before authentication), the last
# added outermost, so the rate limit runs first; an "operation" decorator wraps the handler
# itself, after authentication and validation, where the user is known.
api.add_decorator(claim_or_replay, mode="operation")
api.add_decorator(keep_answer, mode="view")
api.add_decorator(rate_limited, mode="view")

api.add_router("/processes", processes)
api.add_router("", crm)
api.add_router("/audit", "traseu.audit.api.router")
api.add_router("", "traseu.aftersale.api.router")
api.add_router("/webhooks", "traseu.events.api.router")
api.add_router("", "traseu.sales.api.router")
api.add_router("", "traseu.sales.api_deal.router")
api.add_router("/imports", "traseu.imports.api.router")
api.add_router("", "traseu.analytics.api.router")
api.add_router("", "traseu.prospecting.api.router")

# Last: any other path under /api/v1/ answers 404 in the API's error shape, not an HTML page.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{anypath:rest}",
    auth=None,
    include_in_schema=False,
    url_name="not_found",
)
def not_found(request: HttpRequest, rest: str) -> None:
    raise NotFound(_("There is no such API route."), code="route_not_found")


api.add_router("", fallback)
