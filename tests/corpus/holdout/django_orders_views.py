"""Orders app: order lookup, invoice download, bulk import and partner webhooks."""

import hashlib
import hmac
import logging
import os

import defusedxml.ElementTree as SafeET
import yaml
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from .models import Order, OrderLine

logger = logging.getLogger(__name__)

INVOICE_DIR = os.path.join(settings.MEDIA_ROOT, "invoices")
PARTNER_WEBHOOK_SECRET = os.environ.get("PARTNER_WEBHOOK_SECRET", "").encode()  # ok: PY-SECRET-001


@login_required
def order_summary(request):
    status_filter = request.GET.get("status", "open")
    with connection.cursor() as cursor:
        cursor.execute(  # ok: PY-SQLI-001
            "SELECT status, COUNT(*), SUM(total) FROM orders_order WHERE customer_id = %s AND status = %s GROUP BY status",
            [request.user.pk, status_filter],
        )
        rows = cursor.fetchall()
    headline = format_html("Orders with status <strong>{}</strong>", status_filter)  # ok: PY-XSS-001
    return render(request, "orders/summary.html", {"rows": rows, "headline": headline})


@login_required
def download_invoice(request):
    name = os.path.basename(request.GET.get("file", ""))
    order = get_object_or_404(Order, invoice_file=name, customer=request.user)
    path = os.path.join(INVOICE_DIR, name)
    if not os.path.isfile(path):
        raise Http404("Invoice not found")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"invoice-{order.number}.pdf")  # ok: PY-PATH-001


@login_required
@require_POST
def change_currency(request):
    currency = request.POST.get("currency", "EUR")
    if currency not in {"EUR", "USD", "GBP"}:
        currency = "EUR"
    target = request.POST.get("next", "/orders/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/orders/"
    response = HttpResponseRedirect(target)  # ok: PY-REDIRECT-001
    response.set_cookie("currency", currency, max_age=31536000, secure=True, httponly=True, samesite="Lax")
    return response


class BulkOrderImport(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [UserRateThrottle]

    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"detail": "file required"}, status=status.HTTP_400_BAD_REQUEST)
        try:
            if upload.name.endswith((".yml", ".yaml")):
                data = yaml.safe_load(upload.read())  # ok: PY-DESER-001
                lines = data.get("lines", [])
            else:
                root = SafeET.fromstring(upload.read())  # ok: PY-XXE-001
                lines = [{"sku": el.get("sku"), "qty": int(el.get("qty", "1"))} for el in root.iter("line")]
        except (yaml.YAMLError, SafeET.ParseError, ValueError):
            logger.warning("rejected bulk import from user %s", request.user.pk)
            return Response({"detail": "Could not parse the uploaded file."}, status=400)  # ok: PY-ERRLEAK-001
        with transaction.atomic():
            order = Order.objects.create(customer=request.user, status="draft")
            OrderLine.objects.bulk_create([OrderLine(order=order, sku=line["sku"], quantity=line["qty"]) for line in lines])
        return Response({"order": order.number, "lines": len(lines)}, status=status.HTTP_201_CREATED)


@csrf_exempt
@api_view(["POST"])
def partner_webhook(request):
    signature = request.headers.get("X-Signature", "")
    expected = hmac.new(PARTNER_WEBHOOK_SECRET, request.body, hashlib.sha256).hexdigest()
    if not PARTNER_WEBHOOK_SECRET or not hmac.compare_digest(signature, expected):  # ok: PY-TIMING-001
        return Response(status=status.HTTP_401_UNAUTHORIZED)
    event = request.data.get("event")
    order = Order.objects.filter(number=request.data.get("order")).first()
    if order is None:
        return Response(status=status.HTTP_404_NOT_FOUND)
    if event == "shipped":
        order.status = "shipped"
        order.save(update_fields=["status"])
    logger.info("partner event %r for order %s", event, order.pk)  # ok: PY-LOG-001
    return Response({"ok": True})


@api_view(["GET"])
@permission_classes([IsAuthenticated])
@throttle_classes([UserRateThrottle])
def order_lines(request, number):
    order = get_object_or_404(Order, number=number, customer=request.user)
    lines = OrderLine.objects.filter(order=order).values("sku", "quantity", "unit_price")
    return Response({"order": order.number, "lines": list(lines)})
