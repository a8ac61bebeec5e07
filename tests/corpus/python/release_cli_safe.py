#!/usr/bin/env python3
"""Cut a release: tag, build the changelog and publish a GitHub release (token from the environment)."""

import argparse
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import requests

GITHUB_API = "https://api.github.com"
REPO = "acme/widgets"
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
REVIEWERS = ["alice", "bob", "carol", "dan"]
# TODO: support pre-release suffixes such as 1.4.0-rc1  # ok: PY-TODO-001


def github_token():
    token = os.environ.get("GITHUB_TOKEN")  # ok: PY-SECRET-001
    if not token:
        sys.exit("set GITHUB_TOKEN to a token with the 'repo' scope")
    return token


def load_config(path):
    with open(path, "rb") as fh:  # ok: PY-PATH-001
        return tomllib.load(fh)  # ok: PY-EVAL-001


def git(*args):
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout  # ok: PY-CMDI-001


def changelog_since(since):
    subprocess.run("git fetch --tags --quiet", shell=True, check=True)  # ok: PY-CMDI-001
    return git("log", "--pretty=format:- %s", f"{since}..HEAD")


def checksum(artifact: Path) -> str:
    return hashlib.sha256(artifact.read_bytes()).hexdigest()  # ok: PY-HASH-001


def publish(version, notes, artifacts):
    sums = "\n".join(f"{checksum(a)}  {a.name}" for a in artifacts)
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as fh:  # ok: PY-TEMP-001
        fh.write(notes + "\n\n" + sums)
    payload = {"tag_name": f"v{version}", "name": f"v{version}", "body": notes + "\n\n" + sums}
    headers = {"Authorization": f"Bearer {github_token()}", "Accept": "application/vnd.github+json"}
    resp = requests.post(f"{GITHUB_API}/repos/{REPO}/releases", json=payload, headers=headers, timeout=30)  # ok: PY-TLS-001
    resp.raise_for_status()
    reviewer = random.choice(REVIEWERS)  # ok: PY-RAND-001
    print(f"Published {resp.json()['html_url']}; release notes in {fh.name}; ask {reviewer} to announce it")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("version")
    parser.add_argument("--since", default="HEAD~20")
    parser.add_argument("--config", default="release.toml")
    parser.add_argument("artifacts", nargs="*", type=Path)
    args = parser.parse_args()
    if not VERSION_RE.match(args.version):
        sys.exit("version must look like 1.2.3")
    config = load_config(args.config)
    notes = config.get("header", "") + changelog_since(args.since)
    git("tag", "-a", f"v{args.version}", "-m", config.get("tag_message", f"Release {args.version}"))
    git("push", "origin", f"v{args.version}")
    publish(args.version, notes, args.artifacts)


if __name__ == "__main__":
    main()
