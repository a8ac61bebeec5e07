"""Analysis of JavaScript/TypeScript, Java, C/C++, Rust and Go on tree-sitter syntax trees.

One parse per file; every rule of the language runs its query on that tree; one taint mechanism for all
languages, driven by a small per-language description (`spec.py`).
"""
