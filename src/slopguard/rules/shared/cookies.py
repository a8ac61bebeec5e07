"""Cookie vocabulary shared by every language's cookie rules: which cookies carry a session, a token or personal
data (and so need Secure and HttpOnly), and which a page's own script must read."""

from __future__ import annotations

import re

# A cookie name or value that reads as a session, a login, a token or an account ("sid" only as a word of its own:
# "sidebar" in a layout preference is not one).
SESSION_COOKIE = re.compile(
    r"(?i)sess|token|auth|jwt|(?<![a-z])sid(?![a-z])|remember|csrf|xsrf|login|user|access|refresh|api.?key|secret"
    r"|cred|ident|account|sso"
)
# Personal data in a cookie deserves the flags too (``unsubscribed_email``, ``phone``).
PERSONAL_COOKIE = re.compile(r"(?i)e_?mail|phone|ssn|birth")
# Double-submit CSRF tokens are read by the page's own script: HttpOnly would break them.
READ_BY_SCRIPT = re.compile(r"(?i)csrf|xsrf")
