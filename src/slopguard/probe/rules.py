"""Rule metadata for the probe's findings. Kept in a table (like the package checks), not declared in the
code-rule registry: these rules have no source fixture because they judge a running service, not a file."""

from __future__ import annotations

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW


def _meta(rule_id: str, title: str, cwe: tuple[int, ...], severity: Severity, why: str, fix: str) -> RuleMeta:
    return RuleMeta(rule_id, title, cwe, severity, Confidence.HIGH, ("http",), why, fix, ("probe", "dynamic"))


_RULES = (
    _meta("PROBE-SQLI-001", "SQL injection", (89,), C,
          "The service builds SQL from request data: a quote makes the database complain, or 'OR 1=1' and "
          "'AND 1=2' return different pages. Assistants write f-string queries; attackers dump or rewrite the "
          "database through the parameter.",
          "Pass request values as query parameters (placeholders), never by string formatting."),
    _meta("PROBE-XSS-001", "Reflected cross-site scripting", (79,), H,
          "An HTML page echoes a request value without escaping, so a link can run the attacker's script in the "
          "victim's session. Assistants build HTML with f-strings instead of the template engine.",
          "Render HTML through an auto-escaping template, or escape every request value (markupsafe.escape)."),
    _meta("PROBE-CMDI-001", "OS command injection", (78,), C,
          "A request value reaches a shell: an appended '; echo' runs, or '; sleep' delays the answer. "
          "Assistants call subprocess with shell=True and an f-string; attackers run any command on the server.",
          "Run programs with an argument list (shell=False) and validate the value against an allow-list."),
    _meta("PROBE-PATH-001", "Path traversal", (22,), H,
          "A file name from the request is joined to a directory without confinement, so '../' (or an absolute "
          "path) reads any file the server can read, such as /etc/passwd or the application's secrets.",
          "Serve files with send_from_directory/safe_join (or resolve and check the result stays in the folder)."),
    _meta("PROBE-SSTI-001", "Server-side template injection", (1336, 94), C,
          "Request data becomes part of a template's source, so '{{7*7}}' is evaluated: with Jinja2 that is "
          "remote code execution. Assistants concatenate user text into render_template_string.",
          "Pass user data to the template as a variable; never build template source from it."),
    _meta("PROBE-REDIRECT-001", "Open redirect", (601,), M,
          "A 'next'/'url' parameter is used as the redirect target without checking it, so a link on the real "
          "domain forwards victims to a phishing page.",
          "Redirect only to relative paths of the same site (reject '//', '\\\\' and schemes) or to an allow-list."),
    _meta("PROBE-AUTH-001", "Protected route answers without credentials", (306, 862), H,
          "A route that is documented as protected, or is plainly administrative, answers without any "
          "credentials: the assistant forgot the login check on one handler.",
          "Enforce authentication on every protected route (a decorator or a dependency applied by default)."),
    _meta("PROBE-AUTH-002", "Invalid or tampered token accepted", (287, 347), C,
          "The route accepts a made-up token or a JWT with a broken signature: the token is decoded but its "
          "signature is not verified, so anyone can write their own claims.",
          "Verify the signature (and algorithm) of every token before trusting any claim in it."),
    _meta("PROBE-AUTH-003", "Expired token accepted", (613,), H,
          "A token whose 'exp' lies in the past still works, so a stolen or logged-out token stays valid forever. "
          "Hand-written JWT code usually forgets the expiry check.",
          "Reject tokens whose 'exp' is in the past (PyJWT does so unless told not to); keep lifetimes short."),
    _meta("PROBE-AUTH-004", "Unsigned (alg: none) JWT accepted", (347, 327), C,
          "The service honours a JWT whose header says 'alg: none' and that carries no signature, so an attacker "
          "mints tokens for any user or role.",
          "Pin the accepted algorithms (algorithms=['HS256']) and refuse 'none'."),
    _meta("PROBE-AUTH-005", "JWT signed with a guessable secret", (1391, 798), H,
          "The token's HMAC key is a well-known default (found offline from a word list): anyone can sign "
          "tokens for any user. Assistants hard-code 'secret' or 'change-me' keys.",
          "Use a long random key from the environment or a secret store, and rotate the leaked one."),
    _meta("PROBE-AUTHZ-001", "Normal user reaches an administrative route", (285, 269), H,
          "A route meant for administrators answers an ordinary user's credentials: the handler checks that "
          "someone is logged in but not their role.",
          "Check the caller's role or permission in every administrative handler."),
    _meta("PROBE-AUTHZ-002", "User reaches another user's resource (IDOR)", (639, 284), H,
          "Changing the id in the URL shows another user's record: the handler checks the login but not that "
          "the record belongs to the caller.",
          "Load records scoped to the caller (WHERE owner_id = current user) or check ownership before answering."),
    _meta("PROBE-ENUM-001", "Login or reset reveals which accounts exist", (204, 208), M,
          "An unknown user and a known user with a wrong password get different answers (status, message, "
          "length or timing), so an attacker can harvest valid account names before guessing passwords.",
          "Answer both cases identically (one generic message and status) and do the same work for both "
          "(hash a dummy password for unknown users)."),
    _meta("PROBE-RATE-001", "No rate limiting on login or reset", (307, 799), H,
          "A burst of failed attempts meets no 429, lock-out or slowdown, so passwords can be guessed at full "
          "speed.",
          "Limit failed attempts per account and per client (e.g. Flask-Limiter, a lock-out window) and answer 429."),
    _meta("PROBE-HDR-001", "Missing Content-Security-Policy", (693, 1021), L,
          "Without a CSP any injected script runs; a policy is the second line of defence against XSS.",
          "Send a Content-Security-Policy (default-src 'self'; frame-ancestors 'none') on every HTML response."),
    _meta("PROBE-HDR-002", "Missing frame protection", (1021,), L,
          "Generated services rarely set frame protection, so any site can load the pages in an invisible frame "
          "and trick users into clicking (click-jacking).",
          "Send X-Frame-Options: DENY or a CSP with frame-ancestors 'none'."),
    _meta("PROBE-HDR-003", "Missing X-Content-Type-Options", (693,), L,
          "Without 'nosniff' browsers may guess a script type for uploaded or reflected content.",
          "Send X-Content-Type-Options: nosniff on every response."),
    _meta("PROBE-HDR-004", "Missing HSTS on HTTPS", (319,), M,
          "Without Strict-Transport-Security the first request of a visit can be downgraded to HTTP.",
          "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on HTTPS responses."),
    _meta("PROBE-HDR-005", "Missing Referrer-Policy", (200,), L,
          "Full URLs (with tokens or ids in them) leak to other sites in the Referer header.",
          "Send Referrer-Policy: no-referrer or strict-origin-when-cross-origin."),
    _meta("PROBE-HDR-006", "Version banner in response headers", (200,), L,
          "Server/X-Powered-By headers with product versions tell an attacker which exploits to try.",
          "Remove X-Powered-By and strip versions from the Server header (or the header itself)."),
    _meta("PROBE-COOKIE-001", "Cookie without Secure, HttpOnly or SameSite", (614, 1004, 1275), M,
          "A session cookie without HttpOnly is readable by injected script, without Secure it travels over plain "
          "HTTP, and without SameSite it rides along on cross-site requests (CSRF).",
          "Set session cookies with Secure, HttpOnly and SameSite=Lax (or Strict)."),
    _meta("PROBE-CORS-001", "CORS reflects any origin with credentials", (942, 346), H,
          "The service echoes any Origin in Access-Control-Allow-Origin and allows credentials, so every web "
          "site can read authenticated answers in the victim's browser.",
          "Allow only a fixed list of trusted origins; never reflect the request's Origin with credentials."),
    _meta("PROBE-ERR-001", "Stack trace or debug page in a response", (209, 215), M,
          "Malformed input produces a stack trace or a debugger page: source paths, code and configuration for "
          "the attacker, and with an interactive debugger, code execution.",
          "Turn debug mode off and answer errors with a generic message; log the details server-side."),
    _meta("PROBE-ERR-002", "Database error message in a response", (209,), M,
          "The raw database error is sent to the client, revealing the query's shape and helping injection.",
          "Catch database errors, log them and answer with a generic message."),
    _meta("PROBE-ERR-003", "Server file path in an error response", (209,), L,
          "Error answers name files on the server, which maps the deployment for an attacker.",
          "Answer errors with a generic message; keep paths in server-side logs."),
)  # fmt: skip

PROBE_RULES: dict[str, RuleMeta] = {m.id: m for m in _RULES}
