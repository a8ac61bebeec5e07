"""Documents API: search, download and share documents stored for each workspace."""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path
from typing import Annotated

import httpx
import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from .db import get_session

logger = logging.getLogger("documents")

STORAGE_ROOT = Path(os.environ.get("DOCUMENT_ROOT", "/srv/documents")).resolve()
JWT_KEY = os.environ["DOCUMENTS_JWT_KEY"]  # ok: PY-SECRET-001
VIRUSSCAN_API = "https://scan.internal.example.com/v2/files"
SORTABLE = {"name": "d.name", "created": "d.created_at", "size": "d.size_bytes"}

bearer = HTTPBearer()
router = APIRouter(prefix="/documents", tags=["documents"])


class Principal(BaseModel):
    user_id: int
    workspace_id: int


class DocumentOut(BaseModel):
    id: int
    name: str
    size_bytes: int


class ShareRequest(BaseModel):
    document_id: int
    note: str = Field("", max_length=500)


def get_principal(creds: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> Principal:
    try:
        claims = jwt.decode(creds.credentials, JWT_KEY, algorithms=["HS256"], audience="documents")  # ok: PY-JWT-001
    except jwt.PyJWTError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token")
    return Principal(user_id=int(claims["sub"]), workspace_id=int(claims["wsp"]))


@router.get("/", response_model=list[DocumentOut])
def search_documents(
    principal: Annotated[Principal, Depends(get_principal)],
    db: Annotated[Session, Depends(get_session)],
    q: str = Query("", max_length=100),
    sort: str = Query("created"),
):
    order_by = SORTABLE.get(sort, SORTABLE["created"])
    stmt = text(f"SELECT d.id, d.name, d.size_bytes FROM documents d WHERE d.workspace_id = :wsp AND d.name ILIKE :pattern ORDER BY {order_by}")  # ok: PY-SQLI-001
    rows = db.execute(stmt, {"wsp": principal.workspace_id, "pattern": f"%{q}%"}).mappings().all()
    return [DocumentOut(**row) for row in rows]


@router.get("/{document_id}/download")
def download_document(
    document_id: int,
    principal: Annotated[Principal, Depends(get_principal)],
    db: Annotated[Session, Depends(get_session)],
):
    row = db.execute(
        text("SELECT name, storage_key FROM documents WHERE id = :id AND workspace_id = :wsp"),
        {"id": document_id, "wsp": principal.workspace_id},
    ).first()
    if row is None:
        raise HTTPException(status_code=404, detail="Document not found")
    path = (STORAGE_ROOT / row.storage_key).resolve()
    if not path.is_relative_to(STORAGE_ROOT) or not path.is_file():
        raise HTTPException(status_code=404, detail="Document not found")
    return FileResponse(path, filename=os.path.basename(row.name))  # ok: PY-PATH-001


@router.get("/{document_id}/scan")
async def scan_status(document_id: int, principal: Annotated[Principal, Depends(get_principal)]):
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.get(f"{VIRUSSCAN_API}/{document_id}", params={"workspace": principal.workspace_id})  # ok: PY-SSRF-001
    if resp.status_code != 200:
        logger.warning("scan service returned %s for document %d", resp.status_code, document_id)
        raise HTTPException(status_code=502, detail="Scan service unavailable")
    return {"document_id": document_id, "verdict": resp.json().get("verdict", "unknown")}


@router.post("/share", response_class=HTMLResponse)
def share_preview(
    body: ShareRequest,
    principal: Annotated[Principal, Depends(get_principal)],
    db: Annotated[Session, Depends(get_session)],
):
    row = db.execute(
        text("SELECT name FROM documents WHERE id = :id AND workspace_id = :wsp"),
        {"id": body.document_id, "wsp": principal.workspace_id},
    ).first()
    if row is None:
        raise HTTPException(status_code=404, detail="Document not found")
    try:
        db.execute(
            text("INSERT INTO shares (document_id, created_by, note) VALUES (:doc, :user, :note)"),
            {"doc": body.document_id, "user": principal.user_id, "note": body.note},
        )
        db.commit()
    except Exception:
        logger.exception("could not create share for document %d", body.document_id)
        raise HTTPException(status_code=500, detail="Could not create share")  # ok: PY-ERRLEAK-001
    return f"<p>Shared <b>{html.escape(row.name)}</b>: {html.escape(body.note)}</p>"  # ok: PY-XSS-001


app = FastAPI(title="Documents")
app.add_middleware(  # ok: PY-CORS-001
    CORSMiddleware,
    allow_origins=["https://app.example.com", "https://admin.example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["Authorization", "Content-Type"],
)
app.include_router(router)
