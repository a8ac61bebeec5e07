"""The verifier against the user's real, configured Python package index (opt-out: ``-m "not network"``).

Every other test talks to a local server. This one checks that the whole path works against the live index the
user's pip configuration names: a well-known package is found, an invented name is reported missing. When the
index cannot be reached (no network, a proxy, an outage) the packages come back *unknown*, and when something
that is not the index answers (a proxy that says 404 to everything) even ``requests`` is missing: either way the
test is skipped, so network trouble never fails the suite.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from slopguard.deps.model import Check, Ecosystem, PackageRef
from slopguard.deps.options import VerifyOptions
from slopguard.deps.verify import verify


@pytest.mark.network
def test_live_index_knows_requests_and_not_an_invented_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # tests/conftest.py points PIP_INDEX_URL at a closed local port; use what the user has configured instead.
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setenv("SLOPGUARD_CACHE_DIR", str(tmp_path / "cache"))
    invented = f"slopguard-invented-{uuid.uuid4().hex[:12]}-helper"
    refs = [PackageRef(Ecosystem.PYPI, "requests"), PackageRef(Ecosystem.PYPI, invented)]

    real, fake = verify(refs, VerifyOptions(timeout=5.0, use_cache=False, project_dir=tmp_path))

    unreachable = [r for r in (real, fake) if r.verdict == Check.UNKNOWN.value]
    if unreachable:
        pytest.skip(f"the configured package index cannot be reached: {unreachable[0].signals[0].message}")
    assert real.facts is not None
    if not real.facts.exists:
        # Not the index's word: an intercepting proxy or captive portal answering 404 for everything, or a mirror
        # without the JSON API. The local-server tests cover how a real index's answers are read.
        pytest.skip("the configured package index says 'requests' does not exist: not a working PyPI JSON API")
    checks = {s.check for s in real.signals}
    assert not checks & {Check.MISSING, Check.TYPOSQUAT, Check.NEW, Check.YOUNG_AND_OBSCURE}, real.signals
    assert len(real.facts.releases) > 100 and real.facts.repository
    assert fake.verdict == Check.MISSING.value, fake.signals
    assert fake.worst is not None and fake.worst.label == "critical"
