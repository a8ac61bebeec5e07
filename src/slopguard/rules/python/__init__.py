"""Python rules (standard ``ast`` plus the taint tracker)."""
