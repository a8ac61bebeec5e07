"""``slopguard mcp``: the scanner, the package verifier and the guide as Model Context Protocol tools.

An agent calls these tools while it writes code: ``check_packages`` before it writes an import or an install
command, ``scan_code`` on what it wrote, ``scan_diff`` before it says it is done. Every tool goes through
:mod:`slopguard.pipeline` (the same engine and verdicts as the CLI); file tools stay inside the workspace root,
inputs are bounded, and secrets are masked in everything returned.
"""
