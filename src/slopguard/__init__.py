"""slopguard: a security gate for AI-generated code."""

__version__ = "0.1.0"
