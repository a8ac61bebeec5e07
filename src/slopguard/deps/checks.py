"""Rule metadata for the package checks, so their findings travel through every reporter like any rule's."""

from __future__ import annotations

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
from slopguard.deps.model import Check


def _meta(rule_id: str, title: str, cwe: tuple[int, ...], severity: Severity, why: str, fix: str) -> RuleMeta:
    return RuleMeta(
        rule_id, title, cwe, severity, Confidence.HIGH, ("python", "javascript"), why, fix, ("supply-chain",)
    )


CHECK_RULES: dict[Check, RuleMeta] = {
    Check.MISSING: _meta(
        "DEP-MISSING-001",
        "Package does not exist (likely hallucinated)",
        (1357, 829),
        Severity.CRITICAL,
        "Assistants invent plausible package names (about one reference in five in published measurements) and "
        "attackers register those names with malware ('slopsquatting'). A name the registry does not know today "
        "can be someone's payload tomorrow.",
        "Do not install it. Find the real package that provides the feature (or write the code), and add only "
        "packages you have verified.",
    ),
    Check.TYPOSQUAT: _meta(
        "DEP-TYPOSQUAT-001",
        "Package name imitates a popular package",
        (1357, 829),
        Severity.HIGH,
        "A name one or two edits away from a popular package (a swapped letter, a separator, a digit for a letter) "
        "is the classic typosquatting trap, and assistants reproduce such misspellings.",
        "Use the popular package it imitates if that is what you meant; otherwise check the package's owner, "
        "history and source before installing.",
    ),
    Check.NEW: _meta(
        "DEP-NEW-001",
        "Package first published very recently",
        (1357,),
        Severity.HIGH,
        "Malicious packages are typically brand new: registered right after a name is seen in AI answers, and "
        "removed once noticed.",
        "Wait, or review the package's source, owner and repository before depending on it.",
    ),
    Check.YOUNG_AND_OBSCURE: _meta(
        "DEP-OBSCURE-001",
        "Young, obscure package without a repository",
        (1357,),
        Severity.MEDIUM,
        "Few releases, no popularity, no source repository: nothing vouches for this package.",
        "Prefer a well-known alternative, or review the code you are about to run before installing it.",
    ),
    Check.VULNERABLE: _meta(
        "DEP-VULN-001",
        "Known vulnerability in the pinned version",
        (1395,),
        Severity.HIGH,
        "Assistants pin versions from their training data, which are often years old and carry published advisories.",
        "Upgrade to a fixed version (listed in the finding) and re-run the tests.",
    ),
    Check.INSTALL_SCRIPTS: _meta(
        "DEP-SCRIPTS-001",
        "Package runs scripts at install time",
        (829,),
        Severity.MEDIUM,
        "npm preinstall/install/postinstall scripts run with the installing user's rights before anyone has "
        "looked at the code — the usual delivery route of malicious packages.",
        "Review the scripts; install with --ignore-scripts where the package works without them.",
    ),
    Check.DEPRECATED: _meta(
        "DEP-DEPRECATED-001",
        "Package or version is deprecated",
        (1104,),
        Severity.LOW,
        "Deprecated packages no longer receive security fixes; assistants suggest them because they were popular "
        "in their training data.",
        "Move to the replacement the maintainers name.",
    ),
    Check.YANKED: _meta(
        "DEP-YANKED-001",
        "Pinned version was yanked",
        (1104,),
        Severity.MEDIUM,
        "Maintainers yank releases that are broken or dangerous; a pin to one keeps it alive.",
        "Pin a release that is not yanked.",
    ),
    Check.UNKNOWN: _meta(
        "DEP-UNKNOWN-001",
        "Package could not be verified",
        (1357,),
        Severity.HIGH,
        "When the registry cannot be reached or answers oddly, nothing is known about the package; treating it "
        "as fine would let exactly the packages that hide from checks through.",
        "Re-run with registry access (check the index configuration), or pass --allow-unknown knowingly.",
    ),
    Check.ADVISORIES_UNKNOWN: _meta(
        "DEP-NOADVISORY-001",
        "Known vulnerabilities could not be checked",
        (1395,),
        Severity.LOW,
        "The package exists and is what it claims, but the registry (often a mirror) published no advisory data "
        "for this version, so whether it has known vulnerabilities is not known. This is a gap in the check, not a "
        "finding against the package.",
        "Point slopguard at an OSV source (--osv-url, SLOPGUARD_OSV_URL, or an OSV export with --advisories) or "
        "audit the version with your usual vulnerability scanner.",
    ),
}
