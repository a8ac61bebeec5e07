"""Install commands in an answer: on their own line or quoted inline in prose, with options skipped."""

from __future__ import annotations

from slopguard.deps.collect import from_commands


def test_install_lines_and_inline_commands() -> None:
    answer = (
        "First run `pip install -q flask-secure-login-helperz==1.2` and then:\n"
        "```bash\n$ npm install --save lodahs@4.17.21 @scope/pkg\n```\n"
        "pip is great (no command here)\n"
    )
    refs = {(r.ecosystem.value, r.name, r.version, r.line) for r in from_commands(answer, "answer")}
    assert refs == {
        ("pypi", "flask-secure-login-helperz", "1.2", 1),
        ("npm", "lodahs", "4.17.21", 3),
        ("npm", "@scope/pkg", None, 3),
    }
