"""A hand-written recursive merge is a prototype-pollution gadget: high when request data reaches it in the same
file, medium while no caller is seen passing untrusted JSON (a library's own merge helper)."""

from __future__ import annotations

from slopguard.core.config import Settings
from slopguard.core.finding import Confidence, Severity
from slopguard.pipeline.catalog import make_scanner

MERGE = """\
function mergeOptions(target, source) {
  for (const key of Object.keys(source)) {
    if (typeof source[key] === "object" && source[key] !== null) {
      target[key] = target[key] || {};
      mergeOptions(target[key], source[key]);
    } else {
      target[key] = source[key];
    }
  }
  return target;
}
"""
CALLER = """
app.post("/prefs", (req, res) => {
  res.json(mergeOptions({}, req.body));
});
"""


def _graded(source: str) -> list[tuple[str, Severity, Confidence]]:
    report = make_scanner(Settings()).scan_text(source, "javascript", "lib/options.js")
    return [(f.rule_id, f.severity, f.confidence) for f in report.findings if f.rule_id == "JS-PROTO-001"]


def test_a_merge_helper_no_caller_feeds_is_a_medium_gadget() -> None:
    assert _graded(MERGE) == [("JS-PROTO-001", Severity.MEDIUM, Confidence.MEDIUM)]


def test_the_same_helper_fed_a_request_body_is_high() -> None:
    assert _graded(MERGE + CALLER) == [("JS-PROTO-001", Severity.HIGH, Confidence.HIGH)]
