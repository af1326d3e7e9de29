"""Pages of the sales app: a proposal as a printable HTML document and as PDF, and the product
catalogue (everyone reads it; managers and administrators change it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from traseu.core import errors
from traseu.core.models import User
from traseu.sales.access import may_manage_catalogue, proposal_for
from traseu.sales.document import proposal_document
from traseu.sales.forms import ProductForm
from traseu.sales.models import Product, Proposal
from traseu.sales.pdf import proposal_pdf
from traseu.sales.selectors import products_search
from traseu.sales.services import product_create, product_update


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    try:
        return proposal_for(_user(request), proposal_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_GET
def proposal_page(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The proposal as a clean document in its own language (print it from the browser)."""
    proposal = _proposal(request, proposal_id)
    document = proposal_document(proposal)
    return render(request, "sales/proposal.html", {"proposal": proposal, "document": document})


@login_required
@require_GET
def proposal_pdf_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = _proposal(request, proposal_id)
    try:
        pdf = proposal_pdf(proposal_document(proposal))
    except errors.TraseuError as error:
        return render(request, "crm/error.html", {"error": error}, status=error.status)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = slugify(f"{proposal.title}-v{proposal.number}") or "proposal"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@login_required
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    manager = may_manage_catalogue(_user(request))
    products = products_search(query, include_inactive=manager)
    page = Paginator(products, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/products.html",
        {"page": page, "q": query, "may_manage": manager},
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: int | None = None) -> HttpResponse:
    """Create (no id) or edit a product; errors beside the fields, 422, nothing saved."""
    user = _user(request)
    if not may_manage_catalogue(user):
        raise PermissionDenied
    product = Product.objects.filter(pk=product_id).first() if product_id else None
    if product_id and product is None:
        raise Http404
    if request.method == "GET":
        initial = {"currency": "EUR", "active": True}
        if product is not None:
            initial = {
                name: getattr(product, name)
                for name in (
                    "version",
                    "name",
                    "code",
                    "unit_price",
                    "currency",
                    "active",
                    "description",
                )
            }
        form = ProductForm(initial=initial)
        return render(request, "sales/product_form.html", {"form": form, "product": product})
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            if product is None:
                product_create(acting_user=user, data=form.data_for_service())
            else:
                product_update(
                    product_id=product.pk,
                    acting_user=user,
                    changes=form.data_for_service(),
                    expected_version=form.cleaned_data["version"],
                )
        except errors.TraseuError as error:
            details = error.details if isinstance(error.details, dict) else {}
            form.add_service_error(details.get("field"), error.message)
        else:
            messages.success(request, _("Saved."))
            response = HttpResponse(status=303)
            response["Location"] = reverse("sales_products")
            return response
    context = {"form": form, "product": product}
    return render(request, "sales/product_form.html", context, status=422)
