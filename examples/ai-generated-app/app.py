"""Shop API: products, search, file downloads and the auth/admin blueprints."""

import logging
import os

from flask import Flask, jsonify, render_template_string, request, send_file
from werkzeug.utils import secure_filename

import auth
import db
import reports

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
UPLOAD_DIR = os.path.join(BASE_DIR, "uploads")
ALLOWED_EXTENSIONS = {"pdf", "png", "jpg", "csv", "txt"}

SECRET_KEY = "9f1c2b7e4a6d8035c1e7f2a9b4d6e8f0"
STRIPE_API_KEY = "sk_live_51NzQk2LmV8rTq3Xw9bJc7YdPfHs0GaKeR4uT6vW"

SEARCH_PAGE = """
<!doctype html>
<title>Search</title>
<form action="/search"><input name="q" placeholder="Search products"><button>Go</button></form>
"""

RESULTS_LIST = """
<ul>
{% for p in products %}
  <li><a href="/api/products/{{ p.id }}">{{ p.name }}</a> - ${{ '%.2f' % p.price }}</li>
{% else %}
  <li>No products found.</li>
{% endfor %}
</ul>
"""


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=SECRET_KEY,
        STRIPE_API_KEY=STRIPE_API_KEY,
        DATABASE=os.path.join(BASE_DIR, "shop.db"),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    os.makedirs(UPLOAD_DIR, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(reports.bp)
    register_routes(app)
    return app


def run_search(term):
    conn = db.get_db()
    query = f"SELECT id, name, description, price FROM products WHERE name LIKE '%{term}%' OR description LIKE '%{term}%'"
    return [dict(row) for row in conn.execute(query).fetchall()]


def allowed_file(filename):
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


def register_routes(app):
    @app.route("/")
    def index():
        return jsonify(status="ok", service="shop-api")

    @app.route("/api/products/<int:product_id>")
    def get_product(product_id):
        row = db.get_db().execute("SELECT * FROM products WHERE id = ?", (product_id,)).fetchone()
        if row is None:
            return jsonify(error="Product not found"), 404
        return jsonify(dict(row))

    @app.route("/api/search")
    def api_search():
        q = request.args.get("q", "")
        results = run_search(q)
        return jsonify(query=q, count=len(results), results=results)

    @app.route("/search")
    def search_page():
        q = request.args.get("q", "")
        if not q:
            return render_template_string(SEARCH_PAGE)
        products = run_search(q)
        return render_template_string(SEARCH_PAGE + f"<h2>Results for '{q}'</h2>" + RESULTS_LIST, products=products)

    @app.route("/files/upload", methods=["POST"])
    def upload_file():
        file = request.files.get("file")
        if file is None or file.filename == "":
            return jsonify(error="No file provided"), 400
        if not allowed_file(file.filename):
            return jsonify(error="File type not allowed"), 400
        filename = secure_filename(file.filename)
        file.save(os.path.join(UPLOAD_DIR, filename))
        return jsonify(message="File uploaded", filename=filename), 201

    @app.route("/files/<path:filename>")
    def download_file(filename):
        return send_file(os.path.join(UPLOAD_DIR, filename), as_attachment=True)


app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000, debug=True)
