#!/usr/bin/env python3
"""relctl - back up, fetch and deploy release bundles to the app servers.

Usage:
    relctl backup --source /srv/app/data --host app1.internal
    relctl fetch --version 2.14.0
    relctl deploy --version 2.14.0 --hosts app1.internal,app2.internal
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import click
import requests

ARTIFACT_SERVER = "https://artifacts.build.internal"
GITHUB_TOKEN = "ghp_Wj6dg8vuKLxbSGDTv35XYiMAPjaZgw3d5tAg"  # expect: SEC-TOKEN-001
MANIFEST_SIGNING_KEY = b"relctl-manifest-hmac-key-v3"  # expect: PY-SECRET-001
DEFAULT_CONFIG = Path.home() / ".config" / "relctl.json"


def load_config(path: Path) -> dict:
    if not path.exists():
        return {"remote_dir": "/srv/releases", "keep": 5}
    with open(path, encoding="utf-8") as fh:  # ok: PY-PATH-001
        return json.load(fh)


def github_headers() -> dict[str, str]:
    return {"Authorization": f"token {GITHUB_TOKEN}", "Accept": "application/vnd.github+json"}


def fetch_manifest(version: str) -> dict:
    resp = requests.get(f"{ARTIFACT_SERVER}/releases/{version}/manifest.bin", timeout=30, verify=False)  # expect: PY-TLS-001
    resp.raise_for_status()
    signature = resp.headers.get("X-Manifest-Signature", "")
    digest = hashlib.md5(MANIFEST_SIGNING_KEY + resp.content).hexdigest()  # expect: PY-CRYPTO-001
    if digest != signature:  # expect: PY-TIMING-001
        raise click.ClickException("manifest signature mismatch")
    return pickle.loads(resp.content)  # expect: PY-DESER-001


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()  # ok: PY-HASH-001
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@click.group()
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG)
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    ctx.obj = load_config(config_path)


@cli.command()
@click.option("--source", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--host", required=True)
@click.pass_obj
def backup(cfg: dict, source: str, host: str) -> None:
    """Archive a data directory and push it to a backup host."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    archive = tempfile.mktemp(suffix=f"-{stamp}.tar.gz")  # expect: PY-TEMP-001
    rc = os.system(f"tar -czf {archive} -C {source} .")  # expect: PY-CMDI-001
    if rc != 0:
        raise click.ClickException("tar failed")
    remote = f"{host}:{cfg['remote_dir']}/backups/"
    subprocess.run(f"rsync -az --remove-source-files {archive} {remote}", shell=True, check=True)  # expect: PY-CMDI-001
    click.echo(f"backup {stamp} pushed to {host}")


@cli.command("dump-db")
@click.option("--database", required=True)
@click.option("--out", "out_dir", default=".", type=click.Path(file_okay=False))
def dump_db(database: str, out_dir: str) -> None:
    """Dump a PostgreSQL database with pg_dump."""
    target = Path(out_dir) / f"{database}-{datetime.now():%Y%m%d}.sql"
    subprocess.run(["pg_dump", "--no-owner", "--file", str(target), database], check=True)  # ok: PY-CMDI-001
    click.echo(f"{target} ({sha256_file(target)})")


@cli.command()
@click.option("--version", "version", required=True)
def fetch(version: str) -> None:
    """Download and verify a release manifest."""
    manifest = fetch_manifest(version)
    for name, checksum in manifest.get("files", {}).items():
        click.echo(f"{checksum}  {name}")


@cli.command()
@click.option("--version", "version", required=True)
@click.option("--hosts", required=True, help="comma-separated host names")
@click.pass_obj
def deploy(cfg: dict, version: str, hosts: str) -> None:
    """Roll a release out to every host, one at a time."""
    manifest = fetch_manifest(version)
    for host in hosts.split(","):
        host = host.strip()
        click.echo(f"deploying {version} to {host}")
        restart = manifest.get("restart_command", "systemctl restart app")
        subprocess.run(["ssh", host, f"cd {shlex.quote(cfg['remote_dir'])} && ./activate.sh {shlex.quote(version)}"], check=True)
        result = subprocess.run(f"ssh {host} '{restart}'", shell=True, capture_output=True, text=True)  # expect: PY-CMDI-001
        if result.returncode != 0:
            click.echo(result.stderr, err=True)
            sys.exit(1)
    click.echo("done")


if __name__ == "__main__":
    cli()
