"""Rust rules (unsafe code, injection into SQL and shells, panics on input), on tree-sitter."""
