"""Background worker that renders customer reports (RQ jobs plus a small CLI for operators)."""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import logging
import os
import pickle
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import redis
from rq import Queue

log = logging.getLogger("reports.worker")

REDIS_URL = os.environ.get("REPORTS_REDIS_URL", "redis://localhost:6379/2")
OUTPUT_DIR = Path(os.environ.get("REPORTS_OUTPUT_DIR", "/var/lib/reports"))
WKHTMLTOPDF = shutil.which("wkhtmltopdf") or "/usr/bin/wkhtmltopdf"

conn = redis.Redis.from_url(REDIS_URL)
queue = Queue("reports", connection=conn)


@dataclass
class ReportJob:
    report_id: str
    title: str
    template_html: str
    columns: list[str]
    formula: str | None = None
    paper: str = "A4"


def load_job(report_id: str) -> ReportJob:
    blob = conn.get(f"report-job:{report_id}")
    if blob is None:
        raise KeyError(report_id)
    return pickle.loads(blob)  # expect: PY-DESER-001


def load_job_json(report_id: str) -> ReportJob:
    blob = conn.get(f"report-job-v2:{report_id}")
    if blob is None:
        raise KeyError(report_id)
    return ReportJob(**json.loads(blob))  # ok: PY-DESER-001


def cache_key(job: ReportJob) -> str:
    digest = hashlib.md5(job.template_html.encode(), usedforsecurity=False)  # ok: PY-HASH-002, PY-CRYPTO-001
    return f"report-cache:{digest.hexdigest()}"


def computed_column(job: ReportJob, row: dict[str, float]) -> float:
    # formula comes from the report builder UI, e.g. "revenue - cost"
    return eval(job.formula, {"__builtins__": {}}, row)  # expect: PY-EVAL-001


def parse_thresholds(raw: str) -> dict[str, float]:
    value = ast.literal_eval(raw)  # ok: PY-EVAL-001
    return {str(k): float(v) for k, v in dict(value).items()}


def render_pdf(job: ReportJob) -> Path:
    html_path = tempfile.mktemp(suffix=".html")  # expect: PY-TEMP-001
    Path(html_path).write_text(job.template_html, encoding="utf-8")
    out = OUTPUT_DIR / f"{job.report_id}.pdf"
    cmd = f"{WKHTMLTOPDF} --page-size {job.paper} --title '{job.title}' {html_path} {out}"
    subprocess.run(cmd, shell=True, check=True, timeout=120)  # expect: PY-CMDI-001
    return out


def render_pdf_v2(job: ReportJob) -> Path:
    fd, html_path = tempfile.mkstemp(suffix=".html")  # ok: PY-TEMP-001
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(job.template_html)
    out = OUTPUT_DIR / f"{job.report_id}.pdf"
    args = [WKHTMLTOPDF, "--page-size", job.paper, "--title", job.title, html_path, str(out)]
    subprocess.run(args, check=True, timeout=120)  # ok: PY-CMDI-001
    os.unlink(html_path)
    return out


def compress_output(job: ReportJob) -> None:
    os.system(f"gzip -kf {OUTPUT_DIR}/{job.report_id}.pdf")  # expect: PY-CMDI-001


def import_bundle(bundle_path: Path, dest: Path) -> list[str]:
    """Unpack a template bundle uploaded through the admin UI."""
    with tarfile.open(bundle_path, "r:gz") as tar:
        tar.extractall(dest)  # expect: PY-ZIPSLIP-001
        return tar.getnames()


def import_bundle_checked(bundle_path: Path, dest: Path) -> list[str]:
    with tarfile.open(bundle_path, "r:gz") as tar:
        tar.extractall(dest, filter="data")  # ok: PY-ZIPSLIP-001
        return tar.getnames()


def run_report(report_id: str) -> str:
    job = load_job_json(report_id)
    log.info("rendering report %s (%d columns)", job.report_id, len(job.columns))
    path = render_pdf_v2(job)
    conn.setex(cache_key(job), 3600, str(path))
    return str(path)


def enqueue(report_id: str) -> str:
    rq_job = queue.enqueue(run_report, report_id, job_timeout=600)
    return rq_job.id


def main() -> int:
    parser = argparse.ArgumentParser(description="Operator tools for the report worker")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="render one report now")
    run.add_argument("report_id")
    bundle = sub.add_parser("import-bundle", help="unpack a template bundle")
    bundle.add_argument("archive", type=Path)
    bundle.add_argument("--dest", type=Path, default=OUTPUT_DIR / "templates")
    args = parser.parse_args()

    if args.command == "run":
        print(run_report(args.report_id))
    elif args.command == "import-bundle":
        for name in import_bundle_checked(args.archive, args.dest):
            print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
