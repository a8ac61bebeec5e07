"""The rule engine: rule registry, per-language analysers, and the scanner that drives them."""
