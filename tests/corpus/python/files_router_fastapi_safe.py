"""Document service: upload, download, thumbnails, imports and remote fetch (FastAPI), hardened version."""

import ast
import json
import logging
import shlex
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import httpx
import requests
import yaml
from defusedxml import ElementTree as SafeET
from fastapi import APIRouter, FastAPI, File, HTTPException, UploadFile
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from lxml import etree
from pydantic import BaseModel, HttpUrl

UPLOAD_ROOT = Path("/srv/docservice/uploads").resolve()
EXPORT_DIR = Path("/srv/docservice/exports").resolve()
AUDIT_WEBHOOK = "https://audit.internal.example.com/events"
INTERNAL_CA = "/etc/ssl/certs/internal-ca.pem"
ALLOWED_FETCH_HOSTS = {"cdn.example.com", "files.partner.example.org"}
ALLOWED_SIZES = {"100x100", "200x200", "400x400"}
STATIC_REPORTS = {"daily": EXPORT_DIR / "daily.csv", "weekly": EXPORT_DIR / "weekly.csv"}
logger = logging.getLogger(__name__)

app = FastAPI(title="Document service")
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_credentials=True, allow_methods=["GET", "POST"])  # ok: PY-CORS-001
router = APIRouter(prefix="/documents")


class FetchRequest(BaseModel):
    url: HttpUrl
    name: str


def resolve_upload(filename: str) -> Path:
    candidate = (UPLOAD_ROOT / filename).resolve()
    if not candidate.is_relative_to(UPLOAD_ROOT) or not candidate.is_file():
        raise HTTPException(status_code=404, detail="File not found")
    return candidate


@router.get("/download/{filename}")
async def download(filename: str):
    return FileResponse(resolve_upload(filename))  # ok: PY-PATH-001


@router.get("/reports/{name}")
async def report(name: str):
    if name not in STATIC_REPORTS:
        raise HTTPException(status_code=404, detail="Unknown report")
    return FileResponse(STATIC_REPORTS[name])  # ok: PY-PATH-001


@router.post("/{filename}/thumbnail")
async def make_thumbnail(filename: str, size: str = "200x200"):
    if size not in ALLOWED_SIZES:
        raise HTTPException(status_code=400, detail="Unsupported size")
    source = resolve_upload(filename)
    thumb = source.with_suffix(".thumb.png")
    subprocess.run(["convert", str(source), "-resize", size, str(thumb)], check=True)  # ok: PY-CMDI-001
    return {"thumbnail": thumb.name}


@router.post("/{filename}/ocr")
async def ocr(filename: str):
    source = resolve_upload(filename)
    cmd = f"tesseract {shlex.quote(str(source))} stdout | head -c 65536"
    result = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True)  # ok: PY-CMDI-001
    return {"text": result.stdout}


@router.post("/export")
async def export_all():
    with tempfile.NamedTemporaryFile(suffix=".zip", dir=EXPORT_DIR, delete=False) as tmp:  # ok: PY-TEMP-001
        archive = Path(tmp.name)
    subprocess.run("zip -qr exports.zip .", shell=True, cwd=UPLOAD_ROOT, check=True)  # ok: PY-CMDI-001
    (UPLOAD_ROOT / "exports.zip").replace(archive)
    return {"archive": archive.name}


@router.post("/import/session")
async def import_session(file: UploadFile = File(...)):
    state = json.loads(await file.read())  # ok: PY-DESER-001
    return {"restored": sorted(state)}


@router.post("/import/metadata")
async def import_metadata(file: UploadFile = File(...)):
    metadata = yaml.load(await file.read(), Loader=yaml.SafeLoader)  # ok: PY-DESER-001
    return {"fields": list(metadata)}


@router.post("/import/xml")
async def import_xml(file: UploadFile = File(...)):
    root = SafeET.fromstring(await file.read())  # ok: PY-XXE-001
    return {"title": root.findtext("title"), "pages": len(root.findall("page"))}


@router.post("/import/xhtml")
async def import_xhtml(file: UploadFile = File(...)):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)  # ok: PY-XXE-001
    root = etree.fromstring(await file.read(), parser)
    return {"tag": root.tag}


@router.post("/fetch")
async def fetch_remote(body: FetchRequest):
    if urlparse(str(body.url)).hostname not in ALLOWED_FETCH_HOSTS:
        raise HTTPException(status_code=400, detail="Host not allowed")
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as client:
        resp = await client.get(str(body.url))  # ok: PY-SSRF-001
    return {"bytes": len(resp.content)}


@router.get("/avatar/{username}")
async def avatar(username: str):
    resp = requests.get(f"https://avatars.example.com/v1/users/{username}", timeout=5)  # ok: PY-SSRF-001
    return {"avatar_url": resp.json().get("url")}


@router.get("/page-count")
async def page_count(multiplier: str = "2"):
    factor = ast.literal_eval(multiplier)  # ok: PY-EVAL-001
    if not isinstance(factor, int):
        raise HTTPException(status_code=400, detail="multiplier must be an integer")
    return {"result": 12 * factor}


@router.delete("/{filename}")
async def delete_document(filename: str):
    target = resolve_upload(filename)
    try:
        target.unlink()
    except OSError:
        logger.exception("delete failed")
        raise HTTPException(status_code=500, detail="Could not delete the file")  # ok: PY-ERRLEAK-001
    requests.post(AUDIT_WEBHOOK, json={"deleted": target.name}, timeout=5, verify=INTERNAL_CA)  # ok: PY-TLS-001
    return {"deleted": target.name}


app.include_router(router)
