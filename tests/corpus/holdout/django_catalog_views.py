"""Catalog app views: product search, supplier feed import, image proxy and storefront preferences."""

import logging
import os

import jwt
import requests
import yaml
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from lxml import etree
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Product, Supplier
from .serializers import ProductSerializer

logger = logging.getLogger(__name__)

UPLOAD_ROOT = os.path.join(settings.MEDIA_ROOT, "supplier_feeds")


@require_GET
def product_search(request):
    term = request.GET.get("q", "")
    category = request.GET.get("category", "all")
    if category == "all":
        products = Product.objects.raw(f"SELECT * FROM catalog_product WHERE name LIKE '%%{term}%%'")  # expect: PY-SQLI-001
    else:
        products = Product.objects.filter(category__slug=category, name__icontains=term)
    banner = mark_safe(f"Results for <strong>{term}</strong>")  # expect: PY-XSS-001
    return render(request, "catalog/search.html", {"products": products, "banner": banner})


@require_GET
def price_history(request, product_id):
    product = get_object_or_404(Product, pk=product_id)
    period = request.GET.get("period", "30")
    with connection.cursor() as cursor:
        cursor.execute("SELECT day, price FROM catalog_price WHERE product_id = %s ORDER BY day DESC LIMIT %s", [product.pk, period])  # ok: PY-SQLI-001
        rows = cursor.fetchall()
    return JsonResponse({"product": product.pk, "history": [{"day": str(d), "price": float(p)} for d, p in rows]})


@require_GET
def supplier_report(request):
    supplier = request.GET.get("supplier", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sku, stock FROM catalog_stock WHERE supplier_code = '%s'" % supplier)  # expect: PY-SQLI-001
        rows = cursor.fetchall()
    return JsonResponse({"supplier": supplier, "stock": rows})


@require_POST
def set_storefront(request):
    theme = request.POST.get("theme", "light")
    currency = request.POST.get("currency", "EUR")
    response = HttpResponseRedirect(request.POST.get("return_to", "/"))  # expect: PY-REDIRECT-001
    response.set_cookie("storefront_theme", theme, max_age=31536000, secure=True, httponly=True, samesite="Lax")  # ok: PY-COOKIE-001
    response.set_cookie("storefront_auth", request.session.session_key, max_age=86400)  # expect: PY-COOKIE-001
    response.set_cookie("currency", currency, secure=True, httponly=True, samesite="Lax")
    return response


class SupplierFeedImport(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request, supplier_id):
        supplier = get_object_or_404(Supplier, pk=supplier_id, owner=request.user)
        upload = request.FILES.get("feed")
        if upload is None:
            return Response({"detail": "feed file required"}, status=status.HTTP_400_BAD_REQUEST)
        if upload.name.endswith((".yml", ".yaml")):
            feed = yaml.load(upload.read(), Loader=yaml.Loader)  # expect: PY-DESER-001
            items = feed.get("items", [])
        else:
            parser = etree.XMLParser(resolve_entities=True, load_dtd=True)  # expect: PY-XXE-001
            tree = etree.fromstring(upload.read(), parser)
            items = [{"sku": el.get("sku"), "price": el.findtext("price")} for el in tree.iter("item")]
        dest = os.path.join(UPLOAD_ROOT, request.data.get("archive_name", upload.name))
        with open(dest, "wb") as fh:  # expect: PY-PATH-001
            for chunk in upload.chunks():
                fh.write(chunk)
        created = 0
        for item in items:
            try:
                Product.objects.update_or_create(supplier=supplier, sku=item["sku"], defaults={"price": item["price"]})
                created += 1
            except Exception as exc:
                return Response({"detail": str(exc), "item": item}, status=400)  # expect: PY-ERRLEAK-001
        return Response({"imported": created}, status=status.HTTP_201_CREATED)


@api_view(["GET"])
@permission_classes([IsAuthenticated])
def image_proxy(request):
    image_url = request.query_params.get("src")
    if not image_url:
        return HttpResponseBadRequest("src is required")
    upstream = requests.get(image_url, timeout=10)  # expect: PY-SSRF-001
    return HttpResponse(upstream.content, content_type=upstream.headers.get("Content-Type", "image/jpeg"))


@api_view(["GET"])
@permission_classes([IsAdminUser])
def product_detail(request, pk):
    product = get_object_or_404(Product, pk=pk)
    return Response(ProductSerializer(product).data)


@api_view(["POST"])
def partner_token(request):  # expect: PY-RATE-001
    code = request.data.get("supplier_code", "")
    secret = request.data.get("secret", "")
    supplier = Supplier.objects.filter(code=code).first()
    if supplier is None:
        return Response({"detail": "Unknown supplier code"}, status=status.HTTP_404_NOT_FOUND)  # expect: PY-ENUM-001
    if not check_password(secret, supplier.api_secret_hash):
        return Response({"detail": "Wrong secret for this supplier"}, status=status.HTTP_401_UNAUTHORIZED)  # expect: PY-ENUM-001
    token = jwt.encode({"supplier": supplier.code}, settings.PARTNER_JWT_KEY, algorithm="HS256")
    return Response({"token": token})


@api_view(["POST"])
def partner_callback(request):
    token = request.headers.get("X-Partner-Token", "")
    # FIXME: verify the partner token signature once partners are issued signing keys  # expect: PY-TODO-001
    claims = jwt.decode(token, options={"verify_signature": False}, algorithms=["HS256"])  # expect: PY-JWT-001
    supplier = get_object_or_404(Supplier, code=claims.get("supplier"))
    supplier.last_sync_status = request.data.get("status", "unknown")[:32]
    supplier.save(update_fields=["last_sync_status"])
    logger.info("Partner callback for supplier id %d", supplier.pk)  # ok: PY-LOG-001
    return Response({"ok": True})
