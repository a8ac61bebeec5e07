"""JUnit XML for CI test views: one test case per file, a failure per finding, an error per file not analysed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TextIO

from slopguard.core.finding import Finding
from slopguard.core.report import Report
from slopguard.report import RenderOptions

# Characters XML 1.0 cannot hold at all (escaping does not help); scanned code may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _failure(case: ET.Element, f: Finding) -> None:
    loc = f.location
    failure = ET.SubElement(
        case, "failure", message=_text(f"{f.rule_id}: {f.message}"), type=f"{f.rule_id} [{f.severity.label}]"
    )
    body = [f"{loc.path}:{loc.start_line}:{loc.start_col}: {f.title} ({f.severity.label})", f.message]
    if f.snippet:
        body.append(f.snippet)
    body.append(f"Fix: {f.fix}")
    failure.text = _text("\n".join(body))


def junit_tree(result: Report, options: RenderOptions) -> ET.ElementTree:
    """The report as a ``testsuites`` document."""
    findings: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        findings[f.location.path].append(f)
    skipped = {s.display: s.reason for s in result.skipped}
    paths = [s.display for s in result.sources] + list(options.texts) + list(findings) + list(skipped)
    files = sorted(dict.fromkeys(paths))
    failures = sum(len(v) for v in findings.values())
    counts = {"tests": str(len(files)), "failures": str(failures), "errors": str(len(skipped))}
    root = ET.Element("testsuites", {"name": "slopguard", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "slopguard", "time": f"{result.seconds:.3f}", **counts})
    for path in files:
        case = ET.SubElement(suite, "testcase", classname="slopguard", name=_text(path), file=_text(path))
        for f in findings.get(path, []):
            _failure(case, f)
        if path in skipped:
            ET.SubElement(case, "error", message=_text(f"not analysed: {skipped[path]}"), type="not-analysed")
    return ET.ElementTree(root)


def render(result: Report, stream: TextIO, options: RenderOptions) -> None:
    tree = junit_tree(result, options)
    ET.indent(tree)
    tree.write(stream, encoding="unicode", xml_declaration=True)
    stream.write("\n")
