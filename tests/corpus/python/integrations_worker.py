"""Partner integrations: webhook receiver, image proxy, legacy account sync and signed exports (Flask)."""

import base64
import hashlib
import os
import pickle
import random
import xml.sax
from xml.sax.handler import feature_external_ges

import requests
from Crypto.Cipher import DES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Flask, Response, jsonify, request

app = Flask(__name__)
LEGACY_KEY = bytes.fromhex(os.environ["LEGACY_DES_KEY"])


class OrderHandler(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.orders = []

    def startElement(self, name, attrs):
        if name == "order":
            self.orders.append(dict(attrs))


def legacy_password_hash(password, salt):
    return hashlib.md5((salt + password).encode()).hexdigest()  # expect: PY-HASH-001


def new_api_key():
    return "%032x" % random.getrandbits(128)  # expect: PY-RAND-001


def email_verification_code():
    return "%06d" % random.randrange(10**6)  # expect: PY-RAND-001


def encrypt_export(data: bytes, key: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # expect: PY-CRYPTO-001
    return encryptor.update(data) + encryptor.finalize()


def decrypt_legacy_field(value: str) -> bytes:
    cipher = DES.new(LEGACY_KEY, DES.MODE_CBC, iv=b"\0" * 8)  # expect: PY-CRYPTO-001
    return cipher.decrypt(base64.b64decode(value))


@app.route("/webhooks/orders", methods=["POST"])
def receive_orders():
    handler = OrderHandler()
    parser = xml.sax.make_parser()
    parser.setFeature(feature_external_ges, True)  # expect: PY-XXE-001
    parser.setContentHandler(handler)
    parser.feed(request.data)
    parser.close()
    callback = request.args.get("callback_url")
    if callback:
        requests.post(callback, json={"received": len(handler.orders)}, timeout=5)  # expect: PY-SSRF-001
    return jsonify(received=len(handler.orders))


@app.route("/proxy/image")
def proxy_image():
    upstream = requests.get(request.args["src"], stream=True, timeout=10)  # expect: PY-SSRF-001
    return Response(upstream.iter_content(8192), content_type=upstream.headers.get("Content-Type"))


@app.route("/cart/restore")
def restore_cart():
    raw = request.cookies.get("cart", "")
    cart = pickle.loads(base64.b64decode(raw))  # expect: PY-DESER-001
    return jsonify(items=cart.get("items", []))


@app.route("/accounts/sync", methods=["POST"])
def sync_account():
    data = request.get_json()
    return jsonify(
        api_key=new_api_key(),
        verification_code=email_verification_code(),
        password_hash=legacy_password_hash(data["password"], data["username"]),
    )
