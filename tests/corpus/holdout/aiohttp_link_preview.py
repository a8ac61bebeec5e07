"""Link preview microservice: fetches a page, extracts title/description and renders a preview card."""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from urllib.parse import quote

import aiohttp
import aiohttp_cors
from aiohttp import web
from jinja2 import Environment, FileSystemLoader

log = logging.getLogger("preview")

BASE_DIR = Path(__file__).parent
CACHE_DIR = BASE_DIR / "cache"
MAX_BYTES = 512 * 1024

templates = Environment(loader=FileSystemLoader(str(BASE_DIR / "templates")))  # expect: PY-XSS-002

TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
DESC_RE = re.compile(r'<meta\s+name="description"\s+content="([^"]*)"', re.I)


async def on_startup(app: web.Application) -> None:
    connector = aiohttp.TCPConnector(ssl=False, limit=50)  # expect: PY-TLS-001
    app["http"] = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10))


async def on_cleanup(app: web.Application) -> None:
    await app["http"].close()


def extract_meta(html: str) -> dict[str, str]:
    title = TITLE_RE.search(html)
    desc = DESC_RE.search(html)
    return {
        "title": title.group(1).strip() if title else "",
        "description": desc.group(1).strip() if desc else "",
    }


async def preview(request: web.Request) -> web.Response:
    url = request.query.get("url", "")
    log.info("preview requested for %s", url)  # expect: PY-LOG-001
    if not url.startswith(("http://", "https://")):
        raise web.HTTPBadRequest(text="url must be http(s)")
    session: aiohttp.ClientSession = request.app["http"]
    try:
        async with session.get(url, allow_redirects=True) as resp:  # expect: PY-SSRF-001
            body = (await resp.content.read(MAX_BYTES)).decode(resp.charset or "utf-8", "replace")
    except aiohttp.ClientError as exc:
        return web.json_response({"error": repr(exc), "trace": traceback.format_exc()}, status=502)  # expect: PY-ERRLEAK-001
    meta = extract_meta(body)
    card = templates.get_template("card.html").render(url=url, **meta)
    return web.Response(text=card, content_type="text/html")


async def preview_inline(request: web.Request) -> web.Response:
    url = request.query.get("url", "")
    title = request.query.get("title", url)
    return web.Response(text=f"<div class='card'><a href='{url}'>{title}</a></div>", content_type="text/html")  # expect: PY-XSS-001


async def github_repo(request: web.Request) -> web.Response:
    owner = request.match_info["owner"]
    repo = request.match_info["repo"]
    session: aiohttp.ClientSession = request.app["http"]
    api = f"https://api.github.com/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"
    async with session.get(api, headers={"Accept": "application/vnd.github+json"}) as resp:  # ok: PY-SSRF-001
        if resp.status != 200:
            raise web.HTTPNotFound()
        data = await resp.json()
    return web.json_response({"name": data["full_name"], "stars": data["stargazers_count"]})


async def cached_snapshot(request: web.Request) -> web.StreamResponse:
    name = request.query.get("file", "")
    if not name:
        raise web.HTTPBadRequest(text="file is required")
    return web.FileResponse(CACHE_DIR / name)  # expect: PY-PATH-001


async def health(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app() -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    app.router.add_get("/preview", preview)
    app.router.add_get("/preview/inline", preview_inline)
    app.router.add_get("/gh/{owner}/{repo}", github_repo)
    app.router.add_get("/snapshot", cached_snapshot)
    app.router.add_get("/health", health)

    cors = aiohttp_cors.setup(app, defaults={
        "*": aiohttp_cors.ResourceOptions(allow_credentials=True, expose_headers="*", allow_headers="*"),  # expect: PY-CORS-001
    })
    for route in list(app.router.routes()):
        cors.add(route)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    web.run_app(build_app(), host="0.0.0.0", port=8085)
