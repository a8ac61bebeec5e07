"""Agent hooks and CI glue: slopguard run by coding agents (Claude Code, Codex, Gemini CLI, Cursor) after an edit
and before a shell command, and by the GitHub Action.

Each hook reads the agent's JSON payload, asks the pipeline (the same scan and package verdicts as every other
front end), and answers in the shape that agent reads (see :mod:`slopguard.hooks.agents`).
"""
