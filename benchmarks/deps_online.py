#!/usr/bin/env python3
"""Online package verification speed: 100 names against a registry with a cold cache, then a warm one.

    python benchmarks/deps_online.py                       # 100 names, 100 ms per request, concurrency 16
    python benchmarks/deps_online.py --latency 0.25 --concurrency 8 --names 200

The registry is a local HTTP server on 127.0.0.1 (stdlib ``ThreadingHTTPServer``, in a thread of this process)
that speaks the PyPI JSON API: ``/pypi/NAME/json`` and ``/pypi/NAME/VERSION/json`` with realistic bodies
(releases with their files and upload times, project URLs, advisories for some pinned versions) for about 80 %
of the generated names, and 404 for the rest. Every answer is delayed by ``--latency`` seconds to model a
registry round trip. ``PIP_INDEX_URL`` points at the server's ``/simple/`` URL and ``SLOPGUARD_CACHE_DIR`` at a
fresh temporary directory, so the verifier finds its registry and cache the way it does for a user; nothing but
the loopback server is contacted, and the server is stopped at the end.

Timed: ``slopguard.deps.verify.verify(refs, VerifyOptions(...))`` end to end (event loop, HTTP, JSON parsing,
cache writes, signals), first with the empty cache (cold), then again (warm: every answer from the cache, no
request). Of the existing names, 5 per 100 names are brand new (first release days ago) and a fifth of the rest are
pinned (``==VERSION``, half of them to a version with an advisory), which costs a second request for that
release's advisories, as for a pinned requirement. The gate (exit 1): the cold run takes 5 s or more (per 100 names), a
request is made in the warm run, or a verdict differs from what the server was set up to produce.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packaging.utils import canonicalize_name

TARGET_S = 5.0
ADJECTIVES = ("amber", "brisk", "cobalt", "dusky", "ember", "fabled", "gilded", "hollow", "ivory", "jagged")
NOUNS = ("anchor", "bramble", "cinder", "delta", "ferry", "glacier", "harbor", "island", "juniper", "kestrel")


@dataclass
class Package:
    """What the fake registry knows about one name, and the verdict the verifier should reach."""

    name: str
    exists: bool
    versions: list[str] = field(default_factory=list)
    first_upload: datetime | None = None
    pinned: str | None = None
    vulnerable_pin: bool = False
    expected: str = "ok"


def plan(count: int, seed: int, now: datetime) -> list[Package]:
    """``count`` names: 80 % exist (mostly established, a few new), 20 % are 404s; every fifth existing pinned."""
    rng = random.Random(seed)
    packages: list[Package] = []
    for i in range(count):
        name = f"benchreg-{ADJECTIVES[i % 10]}-{NOUNS[(i // 10) % 10]}-{i:04d}"
        if i % 5 == 4:
            packages.append(Package(name, exists=False, expected="missing"))
            continue
        new = i % 20 == 3
        if new:
            versions = ["0.1.0"]
            first = now - timedelta(days=rng.randint(2, 20))
        else:
            versions = [f"{major}.{minor}.0" for major in range(1, 4) for minor in range(rng.randint(3, 12))]
            first = now - timedelta(days=rng.randint(400, 3000))
        pkg = Package(name, exists=True, versions=versions, first_upload=first, expected="new" if new else "ok")
        existing = sum(1 for p in packages if p.exists)
        if existing % 5 == 0 and not new:
            pkg.pinned = versions[len(versions) // 2]
            pkg.vulnerable_pin = existing % 10 == 0
            pkg.expected = "vulnerable" if pkg.vulnerable_pin else "ok"
        packages.append(pkg)
    return packages


def _files(pkg: Package, version: str, uploaded: datetime, base: str) -> list[dict[str, Any]]:
    dist = pkg.name.replace("-", "_")
    files: list[dict[str, Any]] = []
    for kind, filename, size in (
        ("bdist_wheel", f"{dist}-{version}-py3-none-any.whl", 48213),
        ("sdist", f"{dist}-{version}.tar.gz", 91377),
    ):
        stamp = uploaded + timedelta(seconds=len(files) * 40)
        files.append(
            {
                "comment_text": "",
                "digests": {"blake2b_256": "ab" * 32, "md5": "cd" * 16, "sha256": "ef" * 32},
                "downloads": -1,
                "filename": filename,
                "has_sig": False,
                "md5_digest": "cd" * 16,
                "packagetype": kind,
                "python_version": "py3" if kind == "bdist_wheel" else "source",
                "requires_python": ">=3.9",
                "size": size,
                "upload_time": stamp.strftime("%Y-%m-%dT%H:%M:%S"),
                "upload_time_iso_8601": stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "url": f"{base}packages/{dist[0]}/{dist}/{filename}",
                "yanked": False,
                "yanked_reason": None,
            }
        )
    return files


def _vulnerabilities(pkg: Package, version: str | None) -> list[dict[str, Any]]:
    if not (pkg.vulnerable_pin and version == pkg.pinned):
        return []
    fixed = pkg.versions[-1]
    return [
        {
            "aliases": [f"CVE-2024-{10000 + len(pkg.name)}"],
            "details": f"{pkg.name} before {fixed} lets a crafted header bypass validation.",
            "fixed_in": [fixed],
            "id": f"PYSEC-2024-{len(pkg.name) * 7}",
            "link": f"https://osv.example/vulnerability/PYSEC-2024-{len(pkg.name) * 7}",
            "source": "osv",
            "summary": None,
            "withdrawn": None,
        }
    ]


def document(pkg: Package, version: str | None, base: str) -> dict[str, Any]:
    """The JSON API document for the project (``version`` None) or one of its releases."""
    assert pkg.first_upload is not None
    shown = version or pkg.versions[-1]
    step = timedelta(days=29)
    releases = {v: _files(pkg, v, pkg.first_upload + step * i, base) for i, v in enumerate(pkg.versions)}
    repo = f"https://code.example/{pkg.name.split('-')[1]}/{pkg.name}"
    info = {
        "author": "Bench Maintainer",
        "author_email": "maintainer@example.invalid",
        "bugtrack_url": None,
        "classifiers": [
            "Development Status :: 5 - Production/Stable",
            "Intended Audience :: Developers",
            "License :: OSI Approved :: MIT License",
            "Programming Language :: Python :: 3",
        ],
        "description": f"# {pkg.name}\n\n" + "A library that does one thing well.\n" * 40,
        "description_content_type": "text/markdown",
        "docs_url": None,
        "download_url": "",
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": None,
        "home_page": "",
        "keywords": "bench, example",
        "license": "MIT",
        "maintainer": "",
        "maintainer_email": "",
        "name": pkg.name,
        "package_url": f"{base}project/{pkg.name}/",
        "platform": None,
        "project_url": f"{base}project/{pkg.name}/",
        "project_urls": {
            "Documentation": f"https://docs.example/{pkg.name}/",
            "Changelog": f"{repo}/blob/main/CHANGES.md",
            "Source": repo,
        },
        "provides_extra": ["test"],
        "release_url": f"{base}project/{pkg.name}/{shown}/",
        "requires_dist": ["charset-normalizer<4,>=2", "idna<4,>=2.5", 'pytest>=7; extra == "test"'],
        "requires_python": ">=3.9",
        "summary": f"The {pkg.name.split('-')[2]} toolkit.",
        "version": shown,
        "yanked": False,
        "yanked_reason": None,
    }
    doc: dict[str, Any] = {"info": info, "last_serial": 24000000 + len(pkg.versions), "urls": releases[shown]}
    if version is None:
        doc["releases"] = releases
    doc["vulnerabilities"] = _vulnerabilities(pkg, version)
    return doc


class FakeIndex(ThreadingHTTPServer):
    """A PyPI JSON API on 127.0.0.1 for the planned packages, every answer delayed by ``latency`` seconds."""

    daemon_threads = True
    request_queue_size = 128  # the 16 connections opened at once must not overflow the listen backlog

    def __init__(self, packages: list[Package], latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency
        self.requests = self.sent = 0
        self.lock = threading.Lock()
        self.base = f"http://127.0.0.1:{self.server_address[1]}/"
        # Built before anything is timed, like answers a CDN has cached: the server shares this process (and
        # its interpreter lock) with the verifier, so building them on request would be counted against it.
        self.bodies: dict[tuple[str, str | None], bytes] = {}
        for pkg in packages:
            for version in (None, *pkg.versions) if pkg.exists else ():
                self.bodies[str(canonicalize_name(pkg.name)), version] = json.dumps(
                    document(pkg, version, self.base)
                ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: FakeIndex
    protocol_version = "HTTP/1.1"  # keep-alive, as a real registry

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests += 1
        time.sleep(self.server.latency)
        parts = [unquote(p) for p in self.path.split("?")[0].strip("/").split("/")]
        body = None
        if len(parts) in (3, 4) and parts[0] == "pypi" and parts[-1] == "json":
            version = parts[2] if len(parts) == 4 else None
            body = self.server.bodies.get((str(canonicalize_name(parts[1])), version))
        status = 200 if body is not None else 404
        body = body if body is not None else b'{"message": "Not Found"}'
        with self.server.lock:
            self.server.sent += len(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=100, help="how many package names (default 100)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request (default 0.1)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16, as slopguard)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.names < 1 or args.latency < 0 or args.concurrency < 1:
        parser.error("--names and --concurrency must be positive, --latency not negative")

    from slopguard.deps.model import Ecosystem, PackageRef
    from slopguard.deps.options import VerifyOptions
    from slopguard.deps.verify import verify

    now = datetime.now(UTC)
    packages = plan(args.names, args.seed, now)
    server = FakeIndex(packages, args.latency)
    thread = threading.Thread(target=server.serve_forever, name="fake-index", daemon=True)
    thread.start()
    saved = {key: os.environ.get(key) for key in ("PIP_INDEX_URL", "SLOPGUARD_CACHE_DIR", "NO_PROXY", "no_proxy")}
    try:
        with tempfile.TemporaryDirectory(prefix="slopguard-bench-cache-") as cache_dir:
            os.environ["PIP_INDEX_URL"] = server.base + "simple/"
            os.environ["SLOPGUARD_CACHE_DIR"] = cache_dir
            os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"  # never via a configured proxy
            refs = [
                PackageRef(Ecosystem.PYPI, p.name, p.pinned, f"=={p.pinned}" if p.pinned else "", "requirements.txt",
                           n + 1)
                for n, p in enumerate(packages)
            ]  # fmt: skip
            options = VerifyOptions(concurrency=args.concurrency, project_dir=Path(cache_dir))
            runs = []
            for label in ("cold", "warm"):
                before, sent = server.requests, server.sent
                started = time.perf_counter()
                reports = verify(refs, options, now=now)
                seconds = time.perf_counter() - started
                runs.append((label, seconds, server.requests - before, server.sent - sent, reports))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    pinned = sum(1 for p in packages if p.pinned)
    missing = sum(1 for p in packages if not p.exists)
    print(
        f"registry: local PyPI JSON API on 127.0.0.1, {args.latency * 1000:g} ms per request; "
        f"{len(packages)} names ({len(packages) - missing} exist, {missing} missing, {pinned} pinned); "
        f"concurrency {args.concurrency}"
    )
    failed: list[str] = []
    for label, seconds, requests, sent, reports in runs:
        verdicts = Counter(r.verdict for r in reports)
        wrong = [f"{p.name}: {r.verdict}, expected {p.expected}" for p, r in zip(packages, reports, strict=True)
                 if r.verdict != p.expected]  # fmt: skip
        shown = ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items()))
        print(
            f"{label:4} cache: {len(reports)} names in {seconds:.3f} s ({len(reports) / seconds:,.0f} names/s), "
            f"{requests} requests ({sent / 1e6:.1f} MB); verdicts: {shown}"
        )
        if wrong:
            failed.append(f"{label}: {len(wrong)} unexpected verdict(s), e.g. {wrong[0]}")
    cold = runs[0][1]
    target = TARGET_S * len(packages) / 100  # the 100 names in 5 s, pro rata for other --names
    met = cold < target
    print(
        f"target: {len(packages)} names online with a cold cache in < {target:g} s "
        f"({TARGET_S:g} s per 100 names): {'met' if met else 'NOT met'} ({cold:.2f} s)"
    )
    if not met:
        failed.append(f"the cold run took {cold:.2f} s")
    if runs[1][2]:
        failed.append(f"the warm run made {runs[1][2]} requests")
    sys.stdout.flush()
    for problem in failed:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
