"""Invoice views for the billing app (Django 5)."""

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .models import Customer, Invoice
from .services import InvoiceExporter, InvoiceFilters

logger = logging.getLogger(__name__)

INVOICE_ROOT = Path(settings.MEDIA_ROOT) / "invoices"
SORTABLE_COLUMNS = {"number": "number", "date": "issued_at", "total": "total_cents"}


def _search_term(request) -> str:
    return request.GET.get("q", "").strip()


@login_required
@require_GET
def invoice_search(request):
    term = _search_term(request)
    status = request.GET.get("status", "open")
    logger.info("Invoice search by %s: %s", request.user.pk, term)  # expect: PY-LOG-001
    sql = (
        "SELECT * FROM billing_invoice "
        f"WHERE customer_name ILIKE '%{term}%' AND status = '{status}'"
    )
    invoices = Invoice.objects.raw(sql)  # expect: PY-SQLI-001
    return render(request, "billing/invoice_list.html", {"invoices": invoices, "q": term})


@login_required
@require_GET
def invoice_table(request):
    filters = InvoiceFilters.from_querydict(request.GET)
    column = SORTABLE_COLUMNS.get(request.GET.get("sort", "date"), "issued_at")
    sql = f"SELECT * FROM billing_invoice WHERE org_id = %s ORDER BY {column} DESC"
    rows = Invoice.objects.raw(sql, [request.user.profile.org_id])  # ok: PY-SQLI-001
    return render(request, "billing/invoice_table.html", {"rows": rows, "filters": filters})


@login_required
@require_GET
def overdue_summary(request):
    days = int(request.GET.get("days", "30"))
    with connection.cursor() as cursor:
        cursor.execute(  # ok: PY-SQLI-001
            "SELECT customer_id, SUM(total_cents) FROM billing_invoice "
            "WHERE due_at < now() - (%s * interval '1 day') GROUP BY customer_id",
            [days],
        )
        totals = cursor.fetchall()
    return JsonResponse({"overdue": [{"customer": c, "cents": t} for c, t in totals]})


@login_required
@require_GET
def customer_lookup(request):
    email = request.GET.get("email", "")
    customer = Customer.objects.filter(email__iexact=email).first()
    if customer is None:
        return HttpResponse(f"No customer with address {email}")  # expect: PY-XSS-003
    badge = format_html("<span class='badge'>{}</span>", customer.display_name)  # ok: PY-XSS-001
    return HttpResponse(badge)


@login_required
@require_POST
def switch_organisation(request):
    request.session["active_org_id"] = request.POST["org_id"]  # expect: PY-TRUST-001
    return redirect("billing:dashboard")


@login_required
@require_POST
def mark_paid(request, invoice_id: int):
    invoice = get_object_or_404(Invoice, pk=invoice_id, org_id=request.user.profile.org_id)
    invoice.mark_paid(by=request.user)
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=True):
        return redirect(next_url)  # ok: PY-REDIRECT-001
    return redirect("billing:invoice_detail", invoice_id=invoice.pk)


@login_required
def after_export(request):
    # The export page passes ?return_to=... so the user lands back where they started.
    return_to = request.GET.get("return_to", "/billing/")
    return redirect(return_to)  # expect: PY-REDIRECT-001


@login_required
@require_GET
def download_attachment(request):
    filename = request.GET["file"]
    path = INVOICE_ROOT / str(request.user.profile.org_id) / filename
    return FileResponse(open(path, "rb"), as_attachment=True)  # expect: PY-PATH-001


@login_required
@require_GET
def download_pdf(request, invoice_id: int):
    invoice = get_object_or_404(Invoice, pk=invoice_id, org_id=request.user.profile.org_id)
    org_dir = (INVOICE_ROOT / str(invoice.org_id)).resolve()
    requested = (org_dir / request.GET.get("name", invoice.pdf_name)).resolve()
    if not requested.is_relative_to(org_dir) or not requested.is_file():
        raise Http404("invoice file not found")
    return FileResponse(open(requested, "rb"), as_attachment=True)  # ok: PY-PATH-001


@login_required
@require_POST
def export_invoices(request):
    exporter = InvoiceExporter(org_id=request.user.profile.org_id)
    try:
        job = exporter.start(fmt=request.POST.get("format", "csv"))
    except Exception as exc:
        logger.exception("invoice export failed")
        return JsonResponse({"error": f"Export failed: {exc}"}, status=500)  # expect: PY-ERRLEAK-001
    return JsonResponse({"job": job.id}, status=202)


@login_required
@require_POST
def send_reminder(request, invoice_id: int):
    invoice = get_object_or_404(Invoice, pk=invoice_id, org_id=request.user.profile.org_id)
    try:
        invoice.send_reminder()
    except ConnectionError:
        logger.warning("reminder for invoice %s could not be sent", invoice.pk, exc_info=True)
        return JsonResponse({"error": "The reminder could not be sent. Try again later."}, status=502)  # ok: PY-ERRLEAK-001
    logger.info("Reminder sent for invoice %r by %r", invoice.number, request.POST.get("note", ""))  # ok: PY-LOG-001
    return JsonResponse({"sent": True})
