"""CI job runner: a Flask app queues signed Git push webhooks, a Celery worker builds and uploads them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import pickle
import random
import re
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import redis
import requests
import yaml
from celery import Celery
from flask import Flask, abort, jsonify, request

from .auth import require_operator

log = logging.getLogger("ci.runner")
app = Flask(__name__)
celery = Celery("ci", broker=os.environ["CI_BROKER_URL"])
state = redis.Redis.from_url(os.environ["CI_STATE_URL"])

WEBHOOK_SECRET = os.environ["CI_WEBHOOK_SECRET"].encode()
ARTIFACT_STORE = "https://artifacts.internal.example/api/v2"
ARTIFACT_TOKEN = os.environ["CI_ARTIFACT_TOKEN"]
BUNDLE_MIRROR = "https://mirror.internal.example"
WORK_ROOT = Path("/var/lib/ci/work")


def _signature_ok(body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(WEBHOOK_SECRET, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)  # ok: PY-TIMING-001


@app.post("/hooks/git")
def git_push():
    if not _signature_ok(request.get_data(), request.headers.get("X-Hub-Signature-256", "")):
        abort(401)
    event = request.get_json(force=True)
    head = event.get("head_commit") or {}
    log.info(f"push to {event['ref']}: {head.get('message', '')}")  # expect: PY-LOG-001
    job = {"repo": event["repository"]["clone_url"], "ref": event["ref"], "sha": event["after"]}
    run_pipeline.delay(job)
    return jsonify(queued=True), 202


@app.post("/hooks/legacy")
def legacy_hook():
    token = request.args.get("token", "")
    if token == os.environ["CI_LEGACY_HOOK_TOKEN"]:  # expect: PY-TIMING-001
        run_pipeline.delay(request.get_json(force=True))
        return jsonify(queued=True), 202
    abort(403)


@app.post("/jobs/<job_id>/retry")
@require_operator
def retry_job(job_id: str):
    # the dashboard posts back the snapshot it was given when the job failed
    job = pickle.loads(base64.b64decode(request.form["snapshot"]))  # expect: PY-DESER-001
    run_pipeline.delay(job)
    return jsonify(requeued=job_id), 202


def _job_token(length: int = 32) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(random.choices(alphabet, k=length))  # expect: PY-RAND-001


def _backoff(attempt: int) -> float:
    return min(60.0, 2**attempt) + random.uniform(0, 1.5)  # ok: PY-RAND-001


def _checkout(job: dict, workdir: Path) -> None:
    os.system(f"git clone --depth 50 --branch {job['ref']} {job['repo']} {workdir}")  # expect: PY-CMDI-001
    subprocess.run(["git", "-C", str(workdir), "checkout", "--detach", job["sha"]], check=True)  # ok: PY-CMDI-001


def _load_pipeline(workdir: Path) -> dict:
    with open(workdir / ".ci" / "pipeline.yml", encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yaml.Loader)  # expect: PY-DESER-001


def _load_defaults() -> dict:
    with open("/etc/ci/defaults.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}  # ok: PY-DESER-001


def _cache_key(workdir: Path) -> str:
    lock = (workdir / "requirements.lock").read_bytes()
    return hashlib.md5(lock, usedforsecurity=False).hexdigest()  # ok: PY-HASH-002, PY-CRYPTO-001


def _restore_cache(key: str, workdir: Path) -> None:
    archive = WORK_ROOT.parent / "cache" / f"{key}.tar.gz"
    if archive.exists():
        with tarfile.open(archive) as tar:
            tar.extractall(workdir / ".cache", filter="data")  # ok: PY-ZIPSLIP-001


def _fetch_dependency_bundle(name: str, workdir: Path) -> None:
    url = f"{BUNDLE_MIRROR}/bundles/{quote(name, safe='')}.tar"
    resp = requests.get(url, timeout=60, verify=False)  # expect: PY-TLS-001
    resp.raise_for_status()
    bundle = Path(tempfile.mktemp(suffix=".tar"))  # expect: PY-TEMP-001
    bundle.write_bytes(resp.content)
    with tarfile.open(bundle) as tar:
        tar.extractall(workdir / "vendor")  # expect: PY-ZIPSLIP-001


def _run_step(step: dict, workdir: Path, token: str) -> int:
    env = {"CI": "true", "CI_JOB_TOKEN": token, "PATH": "/usr/local/bin:/usr/bin:/bin"}
    with tempfile.NamedTemporaryFile("w", suffix=".sh", dir=workdir / ".ci", delete=False) as script:  # ok: PY-TEMP-001
        script.write(step["run"])
    cmd = ["docker", "run", "--rm", "-v", f"{workdir}:/src", "-w", "/src", step.get("image", "python:3.12"),
           "sh", f"/src/.ci/{Path(script.name).name}"]
    return subprocess.run(cmd, env=env, timeout=step.get("timeout", 1800)).returncode


@celery.task(bind=True, max_retries=3)
def run_pipeline(self, job: dict) -> None:
    if not re.fullmatch(r"[0-9a-f]{40}", str(job.get("sha", ""))):
        raise ValueError("job without a commit sha")
    workdir = WORK_ROOT / f"{job['sha'][:12]}-{int(time.time())}"
    token = _job_token()
    try:
        _checkout(job, workdir)
        pipeline = {**_load_defaults(), **_load_pipeline(workdir)}
        _restore_cache(_cache_key(workdir), workdir)
        if "bundle" in pipeline:
            _fetch_dependency_bundle(pipeline["bundle"], workdir)
        for step in pipeline.get("steps", []):
            if _run_step(step, workdir, token) != 0:
                raise RuntimeError(f"step {step.get('name')!r} failed")
        _upload_artifacts(job, workdir)
    except subprocess.TimeoutExpired as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries))


def _upload_artifacts(job: dict, workdir: Path) -> None:
    for path in sorted((workdir / "dist").glob("*")):
        with open(path, "rb") as fh:
            requests.put(  # ok: PY-TLS-001
                f"{ARTIFACT_STORE}/builds/{job['sha']}/{path.name}",
                data=fh,
                headers={"Authorization": f"Bearer {ARTIFACT_TOKEN}"},
                timeout=120,
            )
    state.set(f"job:{job['sha']}", json.dumps({"status": "done", "ref": job["ref"]}))
