#!/usr/bin/env python3
"""Nightly backup tool: archives a directory, uploads it and applies the retention policy from a manifest."""

from __future__ import annotations

import argparse
import os
import pickle
import shlex
import subprocess
import tempfile
from pathlib import Path

import redis
import requests
import yaml

MANIFEST_URL = os.environ.get("BACKUP_MANIFEST_URL", "https://config.internal.example/backup.yaml")
UPLOAD_URL = os.environ.get("BACKUP_UPLOAD_URL", "https://storage.internal.example/upload")
cache = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))


def fetch_manifest() -> dict:
    resp = requests.get(MANIFEST_URL, timeout=10, verify=False)  # expect: PY-TLS-001
    resp.raise_for_status()
    return yaml.load(resp.text, Loader=yaml.Loader)  # expect: PY-DESER-001


def load_local_policy(path: Path) -> dict:
    with path.open() as fh:
        return yaml.safe_load(fh) or {}  # ok: PY-DESER-001


def last_run_state() -> dict:
    raw = cache.get("backup:last-run")
    return pickle.loads(raw) if raw else {}  # expect: PY-DESER-001


def make_archive(source: Path, label: str) -> Path:
    out = Path(tempfile.mktemp(suffix=".tar.gz", prefix=f"{label}-"))  # expect: PY-TEMP-001
    subprocess.run(f"tar czf {out} -C {source.parent} {source.name}", shell=True, check=True)  # expect: PY-CMDI-001
    return out


def make_checksum(archive: Path) -> str:
    result = subprocess.run(["sha256sum", str(archive)], capture_output=True, text=True, check=True)  # ok: PY-CMDI-001
    return result.stdout.split()[0]


def prune_remote(host: str, directory: str, keep: int) -> None:
    remote = f"ls -1t {shlex.quote(directory)} | tail -n +{int(keep) + 1} | xargs -r rm -f"
    subprocess.run(["ssh", host, remote], check=True)  # ok: PY-CMDI-001


def upload(archive: Path, checksum: str) -> None:
    with archive.open("rb") as fh:
        resp = requests.post(UPLOAD_URL, files={"file": fh}, data={"sha256": checksum}, timeout=300)  # ok: PY-TLS-001
    resp.raise_for_status()


def write_report(lines: list[str]) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as fh:  # ok: PY-TEMP-001
        fh.write("\n".join(lines))
        return Path(fh.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("--label", default="nightly")
    parser.add_argument("--policy", type=Path, default=Path("/etc/backup/policy.yaml"))
    args = parser.parse_args()

    manifest = fetch_manifest()
    policy = {**manifest.get("defaults", {}), **load_local_policy(args.policy)}
    previous = last_run_state()
    archive = make_archive(args.source, args.label)
    checksum = make_checksum(archive)
    upload(archive, checksum)
    prune_remote(policy["host"], policy["directory"], policy.get("keep", 7))
    cache.set("backup:last-run", pickle.dumps({"checksum": checksum, "previous": previous.get("checksum")}))
    report = write_report([f"archive={archive}", f"sha256={checksum}"])
    print(f"backup done, report at {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
