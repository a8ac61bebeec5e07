"""Which files ``slopguard classify`` looks at: folders walked by the project's one walker, every file type kept."""

from __future__ import annotations

import os
from pathlib import Path

from slopguard.guide.classify_code import classify_paths
from slopguard.guide.code_input import expand, read_text
from slopguard.guide.decision import Verdict


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def test_folders_skip_vendored_cache_and_ignored_files_but_keep_every_file_type(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "db/V2__drop_legacy.sql": "ALTER TABLE orders DROP COLUMN legacy;\n",
            "ui/page.html": "<form method=post></form>\n",
            "payments/logo.png": b"\x89PNG\0\0binary",
            "app.py": "x = 1\n",
            "node_modules/stripe/index.js": "module.exports = require('stripe')\n",
            ".venv/lib/site.py": "import stripe\n",
            "generated/out.py": "import stripe\n",
            ".gitignore": "generated/\n",
        },
    )
    files, skipped = expand([tmp_path], tmp_path)
    shown = [f.display for f in files]
    assert shown == [".gitignore", "app.py", "db/V2__drop_legacy.sql", "payments/logo.png", "ui/page.html"]
    assert skipped == []
    report = classify_paths([tmp_path], tmp_path, scan=False)
    verdicts = {f.path: f.decision for f in report.files}
    assert verdicts["db/V2__drop_legacy.sql"].verdict is Verdict.NEVER
    payment = verdicts["payments/logo.png"]
    assert payment.category is not None and payment.category.id == "payment"  # from the path alone
    assert read_text(str(tmp_path / "payments/logo.png")) is None


def test_given_files_and_folders_keep_their_order_without_duplicates(tmp_path: Path) -> None:
    _write(tmp_path, {"b/z.py": "z = 1\n", "b/a.py": "a = 1\n", "a.py": "x = 1\n"})
    files, _ = expand([tmp_path / "a.py", tmp_path / "b", tmp_path / "b" / "a.py"], tmp_path)
    assert [f.display for f in files] == ["a.py", "b/a.py", "b/z.py"]


def test_missing_paths_and_links_out_of_the_root_are_skipped_with_a_reason(tmp_path: Path) -> None:
    root, outside = tmp_path / "project", tmp_path / "elsewhere"
    _write(outside, {"secret.py": "import stripe\n"})
    _write(root, {"app.py": "x = 1\n"})
    os.symlink(outside / "secret.py", root / "linked.py")
    report = classify_paths([root, root / "gone.py"], root, scan=False)
    assert [f.path for f in report.files] == ["app.py"]
    assert report.skipped == [
        ("linked.py", "symlink points outside the scanned root"),
        ("gone.py", "no such file or directory"),
    ]
