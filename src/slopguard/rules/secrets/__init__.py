"""Secrets rules: known credential formats in any text file."""
