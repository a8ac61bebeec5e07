"""Document service: upload, download, thumbnails, imports and remote fetch (FastAPI)."""

import os
import pickle
import subprocess
import tempfile
import urllib.request
import zipfile

import httpx
import requests
import yaml
from fastapi import APIRouter, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from lxml import etree
from pydantic import BaseModel

UPLOAD_ROOT = "/srv/docservice/uploads"
EXPORT_DIR = "/srv/docservice/exports"
AUDIT_WEBHOOK = "https://audit.internal.example.com/events"

app = FastAPI(title="Document service")
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"])  # expect: PY-CORS-001
router = APIRouter(prefix="/documents")


class FetchRequest(BaseModel):
    url: str
    name: str


@router.post("/upload")
async def upload(file: UploadFile = File(...)):
    destination = os.path.join(UPLOAD_ROOT, file.filename)
    with open(destination, "wb") as out:  # expect: PY-PATH-001
        out.write(await file.read())
    return {"stored": file.filename}


@router.get("/download/{filename}")
async def download(filename: str):
    file_path = os.path.join(UPLOAD_ROOT, filename)
    if not os.path.exists(file_path):
        raise HTTPException(status_code=404, detail="File not found")
    return FileResponse(file_path)  # expect: PY-PATH-001


@router.post("/{filename}/thumbnail")
async def make_thumbnail(filename: str, size: str = "200x200"):
    source = os.path.join(UPLOAD_ROOT, filename)
    thumb = source + ".thumb.png"
    subprocess.run(f"convert {source} -resize {size} {thumb}", shell=True, check=True)  # expect: PY-CMDI-001
    return {"thumbnail": os.path.basename(thumb)}


@router.post("/export")
async def export_all(folder: str):
    archive = tempfile.mktemp(suffix=".zip")  # expect: PY-TEMP-001
    os.system("cd " + UPLOAD_ROOT + " && zip -r " + archive + " " + folder)  # expect: PY-CMDI-001
    return {"archive": archive}


@router.post("/import/session")
async def import_session(request: Request):
    state = pickle.loads(await request.body())  # expect: PY-DESER-001
    return {"restored": sorted(state)}


@router.post("/import/metadata")
async def import_metadata(file: UploadFile = File(...)):
    content = await file.read()
    metadata = yaml.unsafe_load(content)  # expect: PY-DESER-001
    return {"fields": list(metadata)}


@router.post("/import/xml")
async def import_xml(file: UploadFile = File(...)):
    parser = etree.XMLParser(resolve_entities=True, no_network=False)  # expect: PY-XXE-001
    root = etree.fromstring(await file.read(), parser)
    return {"title": root.findtext("title"), "pages": len(root.findall("page"))}


@router.post("/fetch")
async def fetch_remote(body: FetchRequest):
    async with httpx.AsyncClient() as client:
        resp = await client.get(body.url)  # expect: PY-SSRF-001
    path = os.path.join(UPLOAD_ROOT, os.path.basename(body.name))
    with open(path, "wb") as out:  # ok: PY-PATH-001
        out.write(resp.content)
    return {"stored": body.name, "bytes": len(resp.content)}


@router.get("/preview")
async def preview(url: str):
    with urllib.request.urlopen(url) as resp:  # expect: PY-SSRF-001
        return {"content_type": resp.headers.get("Content-Type"), "size": len(resp.read())}


@router.get("/page-count")
async def page_count(expr: str = "pages * 2"):
    pages = 12
    return {"result": eval(expr, {"pages": pages})}  # expect: PY-EVAL-001


@router.delete("/{filename}")
async def delete_document(filename: str):
    try:
        os.remove(os.path.join(EXPORT_DIR, filename))  # expect: PY-PATH-001
    except OSError as exc:
        raise HTTPException(status_code=500, detail=str(exc))  # expect: PY-ERRLEAK-001
    requests.post(AUDIT_WEBHOOK, json={"deleted": filename}, timeout=5, verify=False)  # expect: PY-TLS-001
    return {"deleted": filename}


def bundle(paths):
    with zipfile.ZipFile(os.path.join(EXPORT_DIR, "bundle.zip"), "w") as zf:
        for p in paths:
            zf.write(p, arcname=os.path.basename(p))


app.include_router(router)
