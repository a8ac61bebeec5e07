"""``slopguard classify``: task texts, the labelled data set's thresholds, code signals, --diff, bad input."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from slopguard.cli.classify import classify_command
from slopguard.guide.classify_code import classify_file, classify_paths
from slopguard.guide.classify_text import classify_text, compile_phrase
from slopguard.guide.decision import CATEGORIES, SCAN_FINDINGS, Signal, Verdict, decide

ROOT = Path(__file__).resolve().parents[2]

# Thresholds for the labelled task texts (tests/guide/data/tasks.csv), set from the measured numbers
# (benchmarks/classify.py): test split — never precision 0.91, never classified "relatively safe" 5 times out
# of 38; dev split — accuracy 1.00, no never task classified "relatively safe".
MIN_TEST_NEVER_PRECISION = 0.8
MAX_TEST_NEVER_AS_SAFE = 6
MIN_DEV_ACCURACY = 0.95
MAX_DEV_NEVER_AS_SAFE = 0


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("classify_bench", ROOT / "benchmarks" / "classify.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


# ----- task text -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "verdict", "category"),
    [
        ("Implement a password reset flow with emailed tokens", Verdict.NEVER, "auth"),
        ("implement login for the admin site", Verdict.NEVER, "auth"),
        ("add JWT verification to the API gateway", Verdict.NEVER, "auth"),
        ("encrypt the nightly backups with AES before uploading them to S3", Verdict.NEVER, "crypto"),
        ("set up Stripe checkout for the pro plan", Verdict.NEVER, "payment"),
        ("calculate the insulin dose from the latest glucose reading", Verdict.NEVER, "medical"),
        ("write a kernel module that exposes our sensor over /dev", Verdict.NEVER, "kernel"),
        ("store the customers' passport numbers with their bookings", Verdict.NEVER, "pii"),
        ("ALTER TABLE invoices ADD COLUMN paid_at on the production database", Verdict.NEVER, "db-migration"),
        ("add a POST endpoint that saves the comment a user submits", Verdict.CAUTION, "api-input"),
        ("let users upload avatars and crop them", Verdict.CAUTION, "file-upload"),
        ("make sessions expire after an hour of inactivity", Verdict.CAUTION, "session"),
        ("only admins should be able to delete projects, add the check", Verdict.CAUTION, "access-control"),
        ("add an audit log of changes to patient appointments for HIPAA", Verdict.CAUTION, "compliance"),
        ("parse the XML feeds our partners send us", Verdict.CAUTION, "untrusted-parsing"),
        ("quick script to rename my holiday photos by date", Verdict.SAFE, "internal-script"),
        ("write a GitHub Actions workflow that runs the linters", Verdict.SAFE, "build"),
        ("plot weekly signups from this CSV with pandas", Verdict.SAFE, "data-analysis"),
    ],
)
def test_text_verdicts(text: str, verdict: Verdict, category: str) -> None:
    decision = classify_text(text)
    assert decision.verdict is verdict, decision.to_dict()
    assert decision.category is not None and decision.category.id == category
    assert 0.0 < decision.confidence <= 0.95


def test_tests_and_docs_about_sensitive_code_are_lower_risk() -> None:
    implement = classify_text("implement login")
    tests = classify_text("Unit tests for the login page")
    docs = classify_text("Write docs for the payment API")
    assert implement.verdict is Verdict.NEVER
    assert tests.verdict is Verdict.SAFE and tests.category is not None and tests.category.id == "test-data"
    assert docs.verdict is Verdict.SAFE and docs.category is not None and docs.category.id == "docs"
    # The sensitive subject stays visible as context.
    context = {r.category.id: r for r in tests.reasons}
    assert "auth" in context and not context["auth"].counted
    assert any("context" in note for note in tests.notes)


def test_a_second_task_after_the_framing_is_not_lowered() -> None:
    decision = classify_text("write tests for the webhook handler and then implement the refund endpoint")
    assert decision.verdict is Verdict.NEVER and decision.category is not None
    assert decision.category.id == "payment"


def test_analysis_framing_lowers_caution_but_not_never() -> None:
    assert classify_text("Compute the p95 latency per endpoint from these access logs").verdict is Verdict.SAFE
    assert classify_text("compute the radiation dose from the treatment plan").verdict is Verdict.NEVER


def test_negated_phrases_are_ignored_and_noted() -> None:
    decision = classify_text("internal script to tidy the build folder, no user input, without any database migration")
    assert decision.verdict is Verdict.SAFE
    assert any("negated" in note and "user input" in note for note in decision.notes)


def test_reasons_name_the_matched_words_and_advice_follows_the_verdict() -> None:
    never = classify_text("Add a password reset flow")
    (auth,) = [r for r in never.reasons if r.category.id == "auth"]
    assert auth.counted and "password reset" in auth.evidence
    assert any("person" in a for a in never.advice) and any("vetted" in a for a in never.advice)
    caution = classify_text("add a POST endpoint that stores the feedback users submit")
    assert any("slopguard prompt" in a for a in caution.advice)
    assert any("slopguard review" in a for a in caution.advice)
    safe = classify_text("update the README")
    assert any("scan" in a for a in safe.advice)
    doc = never.to_dict()
    assert doc["verdict"] == "never" and doc["category"] == "auth" and doc["reasons"][0]["evidence"]


def test_nothing_matched_is_relatively_safe_with_low_confidence() -> None:
    decision = classify_text("hello there")
    assert decision.verdict is Verdict.SAFE and decision.category is None
    assert decision.confidence == 0.4


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("encrypt*", "Encryption of files", True),
        ("password reset", "the password-reset page", True),
        ("password reset", "password_reset view", True),
        ("endpoint", "three endpoints", True),
        ("reset ~ password*", "reset the user's password", True),
        ("pay", "the payload", False),
        ("re:\\bpay\\b", "Apple Pay", True),
        ("gdpr (data )?(export|request)", "GDPR request", True),
        ("anonymi[sz]*", "anonymised", True),
        ("kernel (module*|driver*)", "a kernel drivers", True),
        ("kernel (module*|driver*)", "jupyter kernel", False),
    ],
)
def test_phrase_syntax(phrase: str, text: str, matches: bool) -> None:
    assert bool(compile_phrase(phrase).search(text)) is matches


def test_decide_caps_but_never_caps_scan_findings() -> None:
    signals = [Signal("auth", 2.0, "login"), Signal(SCAN_FINDINGS, 1.0, "PY-X line 1", "finding")]
    capped = decide(signals, Verdict.SAFE, "test code")
    assert capped.verdict is Verdict.CAUTION and capped.category is not None
    assert capped.category.id == SCAN_FINDINGS
    assert Verdict.parse("relatively-safe") is Verdict.SAFE and Verdict.SAFE.label == "relatively safe"
    with pytest.raises(ValueError):
        Verdict.parse("maybe")


# ----- the labelled data set -------------------------------------------------------------------------------------


def test_dataset_is_balanced_and_covers_every_category() -> None:
    bench = _bench()
    rows = bench.load()
    assert len(rows) >= 120
    by_label = {label: sum(r.label == label for r in rows) for label in bench.LABELS}
    assert set(by_label) == {"never", "caution", "relatively safe"}
    assert max(by_label.values()) - min(by_label.values()) <= 5
    assert {r.category for r in rows} == set(CATEGORIES) - {SCAN_FINDINGS}
    for row in rows:
        assert CATEGORIES[row.category].verdict.label == row.label, row.text
    assert {r.split for r in rows} == {"dev", "test"}
    test_rows = [r for r in rows if r.split == "test"]
    assert len(test_rows) >= len(rows) / 3
    assert {r.category for r in test_rows} == set(CATEGORIES) - {SCAN_FINDINGS}
    assert len({r.text.lower() for r in rows}) == len(rows)


def test_dataset_thresholds() -> None:
    bench = _bench()
    rows = bench.predict(bench.load())
    test = bench.Score(bench.select(rows, "test"))
    dev = bench.Score(bench.select(rows, "dev"))
    assert test.precision("never") >= MIN_TEST_NEVER_PRECISION
    assert test.never_as_safe <= MAX_TEST_NEVER_AS_SAFE
    assert dev.accuracy >= MIN_DEV_ACCURACY
    assert dev.never_as_safe <= MAX_DEV_NEVER_AS_SAFE


# ----- code ------------------------------------------------------------------------------------------------------

DJANGO_MIGRATION = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_order")]
    operations = [migrations.AddField("order", "status", models.CharField(max_length=20, default="new"))]
"""
ALEMBIC = """\
import sqlalchemy as sa
from alembic import op

revision = "a1b2"


def upgrade():
    op.add_column("users", sa.Column("last_seen", sa.DateTime()))
"""
FLASK_ROUTE = """\
from flask import Flask, request

app = Flask(__name__)


@app.route("/comments", methods=["POST"])
def add_comment():
    text = request.form.get("text", "")
    return {"length": len(text)}
"""
FLASK_GET = """\
from flask import Flask, request

app = Flask(__name__)


@app.get("/search")
def search():
    return {"q": request.args.get("q", "")[:50]}
"""
SQLI = """\
import sqlite3


def find(db: sqlite3.Connection, name: str):
    return db.execute(f"SELECT * FROM items WHERE name = '{name}'").fetchall()
"""
KERNEL = """\
#include <linux/module.h>
#include <linux/kernel.h>

MODULE_LICENSE("GPL");

static int __init hello_init(void) { return 0; }
module_init(hello_init);
"""
EXPRESS_UPLOAD = """\
const express = require('express');
const multer = require('multer');
const app = express();
app.post('/upload', multer({ dest: 'uploads/' }).single('file'), (req, res) => res.send('ok'));
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _by_path(root: Path, *paths: str, scan: bool = True) -> dict[str, tuple[Verdict, str | None, list[str]]]:
    report = classify_paths([root / p for p in paths] or [root], root, scan=scan)
    return {
        f.path: (
            f.decision.verdict,
            f.decision.category.id if f.decision.category else None,
            [e for r in f.decision.reasons if r.counted for e in r.evidence],
        )
        for f in report.files
    }


def test_code_migrations_routes_and_docs(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "shop/migrations/0004_order_status.py": DJANGO_MIGRATION,
            "alembic/versions/a1b2_last_seen.py": ALEMBIC,
            "app.py": FLASK_ROUTE,
            "search.py": FLASK_GET,
            "docs/payments.md": "# Payments\n\nWe call stripe.Charge.create with the card token.\n",
        },
    )
    got = _by_path(tmp_path)
    assert got["shop/migrations/0004_order_status.py"][:2] == (Verdict.NEVER, "db-migration")
    assert "from django.db import migrations" in got["shop/migrations/0004_order_status.py"][2]
    assert got["alembic/versions/a1b2_last_seen.py"][:2] == (Verdict.NEVER, "db-migration")
    assert got["app.py"][:2] == (Verdict.CAUTION, "api-input")
    assert any("POST route '/comments'" in e for e in got["app.py"][2])
    assert got["search.py"][:2] == (Verdict.CAUTION, "api-input")
    assert got["docs/payments.md"][:2] == (Verdict.SAFE, "docs")


def test_code_imports_decorators_and_paths() -> None:
    cases = {
        "billing/charge.py": ("import stripe\n\ndef charge(amount):\n    return stripe.Charge.create(amount=amount)\n",
                              Verdict.NEVER, "payment"),
        "accounts/passwords.py": ("import bcrypt\n\ndef hash_password(p):\n    return bcrypt.hashpw(p, bcrypt.gensalt())\n",
                                  Verdict.NEVER, "auth"),
        "vault.py": ("from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n", Verdict.NEVER, "crypto"),
        "imaging.py": ("import pydicom\n\nds = pydicom.dcmread('scan.dcm')\n", Verdict.NEVER, "medical"),
        "views.py": ("from django.contrib.auth.decorators import login_required\n\n\n@login_required\n"
                     "def orders(request):\n    return None\n", Verdict.CAUTION, "access-control"),
        "hello.c": (KERNEL, Verdict.NEVER, "kernel"),
        "server.js": (EXPRESS_UPLOAD, Verdict.CAUTION, "file-upload"),
        "models.py": ("class Patient:\n    date_of_birth: str\n    ssn: str\n", Verdict.NEVER, "pii"),
        "db/V3__add_status.sql": ("ALTER TABLE orders ADD COLUMN status text;\n", Verdict.NEVER, "db-migration"),
        "scripts/tidy.py": ("import argparse\n\nif __name__ == '__main__':\n    argparse.ArgumentParser().parse_args()\n",
                            Verdict.SAFE, "internal-script"),
        "util.py": ("def add(a, b):\n    return a + b\n", Verdict.SAFE, None),
    }  # fmt: skip
    for path, (text, verdict, category) in cases.items():
        decision = classify_file(path, text).decision
        assert decision.verdict is verdict, (path, decision.to_dict())
        assert (decision.category.id if decision.category else None) == category, path


def test_pii_words_inside_strings_and_comments_are_not_fields() -> None:
    text = 'import re\n\nPATTERN = re.compile(r"\\b(ssn|date_of_birth)\\b")  # detects ssn fields\n'
    assert classify_file("detector.py", text).decision.verdict is Verdict.SAFE


def test_test_files_are_capped_unless_the_scanner_finds_something(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "tests/test_billing.py": "import stripe\n\n\ndef test_charge(monkeypatch):\n    assert stripe\n",
            "tests/test_query.py": SQLI,
        },
    )
    got = _by_path(tmp_path)
    assert got["tests/test_billing.py"][:2] == (Verdict.SAFE, "test-data")
    verdict, category, evidence = got["tests/test_query.py"]
    assert (verdict, category) == (Verdict.CAUTION, SCAN_FINDINGS)
    assert any(e.startswith("PY-SQLI-001 line 5") for e in evidence)
    unscanned = _by_path(tmp_path, "tests/test_query.py", scan=False)
    assert unscanned["tests/test_query.py"][0] is Verdict.SAFE


def test_overall_is_the_worst_file(tmp_path: Path) -> None:
    _write(tmp_path, {"a/migrations/0001_initial.py": DJANGO_MIGRATION, "b.py": FLASK_ROUTE, "README.md": "# x\n"})
    report = classify_paths([tmp_path], tmp_path)
    assert report.overall.verdict is Verdict.NEVER
    assert report.overall.category is not None and report.overall.category.id == "db-migration"
    assert all(e.startswith("a/migrations/0001_initial.py: ") for r in report.overall.reasons for e in r.evidence)
    assert len(report.files) == 3


# ----- the command -----------------------------------------------------------------------------------------------


def _run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, stdin: str | None = None) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(classify_command, args, input=stdin, catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@x", *args], cwd=root, check=True,
                   capture_output=True)  # fmt: skip


def test_cli_text_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["Implement", "login", "with", "JWT"], tmp_path, monkeypatch)
    assert code == 0 and "NEVER" in out and "auth" in out and "Advice" in out
    assert _run(["implement login with JWT", "--fail-on", "never"], tmp_path, monkeypatch)[0] == 1
    assert _run(["--text", "update the README", "--fail-on", "caution"], tmp_path, monkeypatch)[0] == 0
    assert _run(["add a POST endpoint for comments", "--fail-on", "caution"], tmp_path, monkeypatch)[0] == 1
    assert _run(["add a POST endpoint for comments", "--fail-on", "never"], tmp_path, monkeypatch)[0] == 0
    code, out, _ = _run(["-", "--format", "json"], tmp_path, monkeypatch, stdin="integrate Stripe refunds\n")
    doc = json.loads(out)
    assert code == 0 and doc["mode"] == "text" and doc["verdict"] == "never" and doc["category"] == "payment"
    assert doc["reasons"][0]["evidence"] and doc["advice"]


def test_cli_paths_text_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"migrations/0002_x.py": DJANGO_MIGRATION, "q.py": SQLI, "docs/index.md": "# Docs\n"})
    code, out, _ = _run(["."], tmp_path, monkeypatch)
    assert code == 0 and "migrations/0002_x.py" in out and "PY-SQLI-001" in out and "Overall" in out
    code, out, _ = _run(["q.py", "docs", "--format", "json", "--fail-on", "caution"], tmp_path, monkeypatch)
    doc = json.loads(out)
    assert code == 1 and doc["mode"] == "paths" and doc["verdict"] == "caution"
    files = {f["path"]: f for f in doc["files"]}
    assert files["q.py"]["findings"][0]["rule_id"] == "PY-SQLI-001"
    assert files["docs/index.md"]["verdict"] == "relatively safe"


def test_cli_diff_in_a_git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _git(tmp_path, "init", "-q")
    _write(tmp_path, {"app.py": "print('hi')\n", "old.py": "x = 1\n", ".gitignore": "build/\n"})
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _write(tmp_path, {"app.py": FLASK_ROUTE, "shop/migrations/0004_status.py": DJANGO_MIGRATION, "build/x.py": "y=1\n"})
    (tmp_path / "old.py").unlink()
    code, out, _ = _run(["--diff", "HEAD", "--format", "json"], tmp_path, monkeypatch)
    doc = json.loads(out)
    assert code == 0 and doc["mode"] == "diff" and doc["rev"] == "HEAD"
    assert {f["path"] for f in doc["files"]} == {"app.py", "shop/migrations/0004_status.py"}
    assert doc["deleted"] == ["old.py"]
    assert doc["verdict"] == "never" and doc["overall"]["category"] == "db-migration"
    # From a sub-folder, paths stay relative to the repository root.
    code, out, _ = _run(["--diff", "HEAD", "--fail-on", "never"], tmp_path / "shop", monkeypatch)
    assert code == 1 and "shop/migrations/0004_status.py" in out
    # Nothing changed since the working tree's own state is committed.
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "more")
    code, out, _ = _run(["--diff", "HEAD", "--format", "json"], tmp_path, monkeypatch)
    doc = json.loads(out)
    assert code == 0 and doc["files"] == [] and doc["verdict"] == "relatively safe"
    assert doc["overall"]["notes"] == ["no files changed since HEAD"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a task description"),
        (["missing.py"], "no such file or directory: missing.py"),
        (["src/nothing"], "no such file or directory: src/nothing"),
        (["   "], "empty"),
        (["--diff", "HEAD", "extra words"], "takes no task text"),
        (["--text", "x", "y"], "takes no other arguments"),
    ],
)
def test_cli_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    code, out, err = _run(args, tmp_path, monkeypatch)
    assert code == 2 and message in err and out == ""


def test_cli_mixed_existing_and_missing_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, {"a.py": "x = 1\n"})
    code, _, err = _run(["a.py", "b.py"], tmp_path, monkeypatch)
    assert code == 2 and "no such file or directory: b.py" in err


def test_cli_diff_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    code, _, err = _run(["--diff", "HEAD"], plain, monkeypatch)
    assert code == 2 and "not inside a git repository" in err
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _write(repo, {"a.py": "x = 1\n"})
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    for rev in ("no-such-branch", "--output=/tmp/x", "HEAD~5"):
        code, _, err = _run(["--diff", rev], repo, monkeypatch)
        assert code == 2 and "unknown revision" in err, rev
