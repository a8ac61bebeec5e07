#!/usr/bin/env python3
"""Cut a release: bump the version, tag, build the changelog and publish a GitHub release."""

import argparse
import os
import subprocess
import sys
import tempfile

import requests

GITHUB_API = "https://api.github.com"
REPO = "acme/widgets"
GITHUB_TOKEN = "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"  # expect: SEC-TOKEN-001
# FIXME: hardcoded token, read it from the environment before sharing this script  # expect: PY-TODO-001


def load_config(path):
    with open(path) as fh:
        return eval(fh.read())  # expect: PY-EVAL-001


def changelog_since(since):
    out = subprocess.check_output("git log --pretty=format:'- %s' " + since + "..HEAD", shell=True)  # expect: PY-CMDI-001
    return out.decode()


def tag_release(version, message):
    exit_code = os.system(f"git tag -a v{version} -m '{message}' && git push origin v{version}")  # expect: PY-CMDI-001
    if exit_code != 0:
        sys.exit(f"tagging failed with exit code {exit_code}")


def publish(version, notes):
    notes_file = tempfile.mktemp(suffix=".md")  # expect: PY-TEMP-001
    with open(notes_file, "w") as fh:
        fh.write(notes)
    payload = {"tag_name": f"v{version}", "name": f"v{version}", "body": notes}
    headers = {"Authorization": f"token {GITHUB_TOKEN}", "Accept": "application/vnd.github+json"}
    resp = requests.post(f"{GITHUB_API}/repos/{REPO}/releases", json=payload, headers=headers, timeout=30, verify=False)  # expect: PY-TLS-001
    resp.raise_for_status()
    print(f"Published {resp.json()['html_url']} (notes saved to {notes_file})")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("version")
    parser.add_argument("--since", default="HEAD~20")
    parser.add_argument("--config", default="release.cfg")
    args = parser.parse_args()
    config = load_config(args.config)
    notes = config.get("header", "") + changelog_since(args.since)
    tag_release(args.version, config.get("tag_message", f"Release {args.version}"))
    publish(args.version, notes)


if __name__ == "__main__":
    main()
