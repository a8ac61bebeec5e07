"""PY-ENUM-001: login, registration and reset handlers whose answers reveal which accounts exist."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit, hit_at
from slopguard.engine.python.context import FunctionNode, PyContext
from slopguard.engine.registry import python_rule
from slopguard.rules.python.auth_common import (
    STATE_CHANGING,
    answer_status,
    answer_texts,
    auth_kind,
    names,
    targets_of,
    words,
)
from slopguard.rules.python.common import method_name
from slopguard.rules.shared.accounts import GENERIC, UNKNOWN, USER_SPECIFIC, says_wrong_password

# In a branch where the account lookup failed, any 'not found' wording is about the account; the shared
# vocabulary adds the phrasings that name it ('no organiser account for this email', 'does not own any').
_ABSENCE = re.compile(
    r"not found|do(?:es)? ?n[o']?t exist|not exist|not registered|is ?n[o']t registered|never registered"
    r"|no (?:such )?(?:user|account|member|customer|profile)|no .{0,25}(?:found|registered|associated with)"
    r"|unknown (?!error|exception|failure|problem|issue|server|request)[a-z]"
    r"|(?:could ?n[o']?t|can ?n[o']?t|unable to) find"
    r"|not associated with"
)
_EXISTS = re.compile(
    r"already (?:exists?|registered|taken|in use|used|signed up|been (?:registered|taken|used)"
    r"|ha(?:s|ve) an account)"
    r"|(?:is|are) (?:already )?taken|exists already|(?:user|account|e-?mail|username) (?:already )?exists"
)
_USERLIKE = re.compile(
    r"(?:db_|existing_|found_|the_|current_|matched_)?(?:user|account|acct|member|customer|profile|person|u|usr"
    r"|record|row|admin|owner|player|client|employee|student)s?(?:_obj|_record|_row|_doc|_data|_in_db|_db)?"
)
_NOT_SUBJECT = re.compile(r"token|code|otp|link|session|form|payload|body")
_USER_MODEL = re.compile(r"user|account|member|customer|profile|person|auth", re.I)
_LOOKUP = re.compile(
    r"\.(?:first|one_or_none|scalar_one_or_none|scalar|get_or_none|fetchone|find_one|exists|get|filter|filter_by"
    r"|query|objects|execute|select)\b|get_user|find_user|load_user|lookup|_or_404\b"
)
# A lookup keyed by what names a person (an email, a username, a phone) finds an account, whatever the model;
# one keyed by a capability (a share token, a slug, a UUID) finds a resource: its 404 names no account.
_BY_IDENTITY = re.compile(r"(?i)\b\w*(?:e_?mail|user_?name|login|phone)\w*\s*==?(?!=)")
_BY_CAPABILITY = re.compile(r"(?i)\b\w*(?:token|slug|uuid|nonce)\w*\s*==?(?!=)")
_REQUEST_DATA = re.compile(r"(?:await\s+)?(?:request|req|form|data|payload|body|json|params)\b")
_CHECK_NAME = re.compile(r"passw|pwd|checkpw|authenticat|credential|secret|api_?key")
_CHECK_VERB = re.compile(r"verify|check|compare|match")
_PASSWORDISH = re.compile(r"passw|pwd|hash|secret|api_?key")
_MSG_TARGET = re.compile(r"err|msg|message|detail|reason|alert|notice|feedback", re.I)
_NOT_FOUND_EXC = re.compile(r"DoesNotExist|NotFound|NoResultFound|NoSuchUser|KeyError|UserNotFound")
_EXITS = frozenset({"abort", "exit"})


@dataclass(frozen=True, slots=True)
class _Site:
    """A statement that answers the client: return, raise, flash(), or a message assigned for later."""

    node: ast.stmt
    texts: tuple[str, ...]
    status: int | None


@python_rule(
    id="PY-ENUM-001",
    title="Login or reset handler reveals which accounts exist",
    cwe=204,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    nodes=(ast.FunctionDef, ast.AsyncFunctionDef),
    why="""Assistants write helpful, distinct errors: 'User not found' (404) when the lookup fails and
    'Incorrect password' (401) when the hash check fails, or 'No account with that email' on password reset.
    An attacker feeds a list of addresses to the endpoint and learns which are customers, then targets just
    those with password spraying, credential stuffing or phishing.""",
    fix="""Answer every failed login with one message and status ("Invalid email or password", 401) and every
    reset request with "If an account exists for that address, we sent a link".""",
)
def account_enumeration(node: FunctionNode, ctx: PyContext) -> Iterator[Hit]:
    route = ctx.route_of(node)
    kind = auth_kind(node, route, ctx) if route is not None else None
    if route is None or kind is None:
        return
    flow = _Branches(ctx, node)
    flow.walk(node.body, None)
    if kind == "register":
        for site in (s for _, s in flow.sites if any(_EXISTS.search(t) for t in s.texts)):
            yield hit_at(site.node, _TAKEN, confidence=Confidence.LOW)
        return
    unknown = [s for label, s in flow.sites if label == "U"]
    wrong = [s for label, s in flow.sites if label == "P"]
    p_texts = {t for s in wrong for t in s.texts}
    flagged = False
    if wrong or kind == "reset" or (route.methods & STATE_CHANGING and _takes_credential(node)):
        for site in unknown:
            said = next((t for t in site.texts if _reveals_absence(t, strong=not wrong)), None)
            if said is not None and said not in p_texts:
                flagged = True
                sure = Confidence.HIGH if wrong or kind == "reset" else Confidence.MEDIUM
                yield hit_at(site.node, _ABSENT.format(kind, said), confidence=sure)
    u_texts = {t for s in unknown for t in s.texts}
    for site in wrong if unknown else []:
        said = next((t for t in site.texts if says_wrong_password(t)), None)
        if said is not None and said not in u_texts:
            flagged = True
            yield hit_at(site.node, _PASSWORD.format(said), confidence=Confidence.HIGH)
    u_codes = {s.status for s in unknown if s.status}
    p_codes = "/".join(str(c) for c in sorted({s.status for s in wrong if s.status}))
    if not flagged and u_codes and p_codes and not u_codes & {int(c) for c in p_codes.split("/")}:
        for site in (s for s in unknown if s.status):
            yield hit_at(site.node, _STATUS.format(site.status, p_codes))
    for call in flow.not_found_calls if kind in ("login", "reset") else []:
        yield hit_at(call, _404.format(method_name(call)))


_TAKEN = "registration handler says the account already exists, so anyone can test addresses; answer generically"
_ABSENT = "{} handler says no account exists ('{}'), so anyone can test which addresses are registered"
_PASSWORD = "handler says the password is wrong ('{}') while unknown accounts get another answer"
_STATUS = "handler answers {} for an unknown account but {} for a wrong password; use one status"
_404 = "{}() answers 404 when no account matches, revealing which accounts exist; fail generically"


def _reveals_absence(text: str, *, strong: bool) -> bool:
    if GENERIC.search(text):
        return False
    return bool(_ABSENCE.search(text) or UNKNOWN.search(text) or (not strong and USER_SPECIFIC.search(text)))


def _takes_credential(func: FunctionNode) -> bool:
    return bool(re.search(r"passw|pwd|otp|e_?mail|username|credential", words(func)))


class _Branches:
    """Labels the answers of a handler: 'U' where the account was not found, 'P' where the password failed."""

    def __init__(self, ctx: PyContext, func: FunctionNode) -> None:
        self.ctx = ctx
        self.sites: list[tuple[str | None, _Site]] = []
        self.not_found_calls: list[ast.Call] = []
        self.lookups: set[str] = set()
        self.checks: set[str] = set()
        records: dict[str, ast.expr] = {}  # other looked-up records: accounts if a secret is checked on them
        for n in ast.walk(func):
            if isinstance(n, ast.Assign | ast.AnnAssign | ast.NamedExpr) and n.value is not None:
                value = ctx.segment(n.value)
                bound = [t.id for t in targets_of(n) if isinstance(t, ast.Name)]
                call = n.value.value if isinstance(n.value, ast.Await) else n.value
                if isinstance(call, ast.Call) and re.search(r"authenticat|credential", method_name(call).lower()):
                    self.checks.update(bound)
                elif isinstance(call, ast.Call | ast.Compare) and self.classify(call) == ("P", False):
                    self.checks.update(bound)  # ok = check_password_hash(...), ok = digest(pw) == user.password_hash
                elif not _LOOKUP.search(value) or _REQUEST_DATA.match(value):
                    continue
                elif _PASSWORDISH.search(value.lower()) and _USER_MODEL.search(value):
                    self.checks.update(bound)  # a lookup by name *and* password hash fails for wrong passwords
                elif _BY_CAPABILITY.search(value) and not _BY_IDENTITY.search(value):
                    continue
                elif _USER_MODEL.search(value) or _BY_IDENTITY.search(value):
                    self.lookups.update(bound)
                elif not _PASSWORDISH.search(value.lower()):
                    records.update(dict.fromkeys(bound, call))
        self.lookups |= self._secret_checked(func, set(records))
        for n in ast.walk(func):
            if isinstance(n, ast.Call) and method_name(n).endswith("_or_404"):
                text = ctx.segment(n)
                account = any(v is n for k, v in records.items() if k in self.lookups)
                if account or (_USER_MODEL.search(text) and not _NOT_SUBJECT.search(text)):
                    self.not_found_calls.append(n)

    def _secret_checked(self, func: FunctionNode, candidates: set[str]) -> set[str]:
        """The records (a supplier, partner, client...) whose password, secret or API key hash is checked: in
        an authentication handler, whatever holds the credential is the account, whatever it is called."""
        found: set[str] = set()
        for n in ast.walk(func) if candidates else ():
            if isinstance(n, ast.Call | ast.Compare) and self.classify(n)[0] == "P":
                found |= {x.id for x in ast.walk(n) if isinstance(x, ast.Name)} & candidates
        return found

    def walk(self, stmts: list[ast.stmt], label: str | None) -> None:
        for i, st in enumerate(stmts):
            if isinstance(st, ast.If):
                kind, failing = self.classify(st.test)
                if kind is None:
                    self.walk(st.body, label)
                    self.walk(st.orelse, label)
                elif failing:
                    self.walk(st.body, kind)
                    self.walk(st.orelse, label)
                else:
                    self.walk(st.body, label)
                    self.walk(st.orelse, kind)
                    if not st.orelse and _exits(st.body):
                        self.walk(stmts[i + 1 :], kind)
                        return
            elif isinstance(st, ast.Try | ast.TryStar):
                self.walk(st.body, label)
                for h in st.handlers:
                    hit = h.type is not None and _NOT_FOUND_EXC.search(self.ctx.segment(h.type))
                    self.walk(h.body, "U" if hit else label)
                self.walk(st.orelse + st.finalbody, label)
            elif isinstance(st, ast.For | ast.AsyncFor | ast.While):
                self.walk(st.body + st.orelse, label)
            elif isinstance(st, ast.With | ast.AsyncWith):
                self.walk(st.body, label)
            elif isinstance(st, ast.Match):
                for case in st.cases:
                    self.walk(case.body, label)
            elif not isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                site = self.site(st)
                if site is not None:
                    self.sites.append((label, site))

    def classify(self, test: ast.expr) -> tuple[str | None, bool]:
        """('U' or 'P' or None, whether the branch runs when the check failed)."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            kind, failing = self.classify(test.operand)
            return kind, not failing
        if isinstance(test, ast.BoolOp):
            parts = [self.classify(v) for v in test.values]
            kinds = {k for k, _ in parts if k}
            if len(kinds) != 1:
                return None, False
            return kinds.pop(), next(f for k, f in parts if k)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            other = test.comparators[0]
            op = test.ops[0]
            if isinstance(other, ast.Constant) and other.value in (None, False):
                kind, _ = self.classify(test.left)
                return kind, isinstance(op, ast.Is | ast.Eq)
            if self._is_password_compare(test):
                return "P", isinstance(op, ast.NotEq | ast.IsNot)
            return None, False
        if isinstance(test, ast.Call):
            name = self.ctx.segment(test.func).lower()
            args = names([*test.args, *(k.value for k in test.keywords)])
            if _CHECK_NAME.search(name) and (len(test.args) > 1 or not re.search(r"valid|strength|policy", name)):
                return "P", False
            if _CHECK_VERB.search(name) and _PASSWORDISH.search(args):
                return "P", False
            if _LOOKUP.search(self.ctx.segment(test)) and _USER_MODEL.search(self.ctx.segment(test)):
                return "U", False
            return None, False
        if isinstance(test, ast.Name):
            if test.id in self.checks:
                return "P", False
            if _NOT_SUBJECT.search(test.id):
                return None, False
            if test.id in self.lookups or _USERLIKE.fullmatch(test.id):
                return "U", False
        return None, False

    def _is_password_compare(self, test: ast.Compare) -> bool:
        """``user.password != hash_pw(password)``: a stored password or a computed hash on one side."""
        for side in [test.left, *test.comparators]:
            text = self.ctx.segment(side).lower()
            if isinstance(side, ast.Attribute | ast.Subscript) and _PASSWORDISH.search(text):
                return True
            if isinstance(side, ast.Call) and re.search(r"hash|digest|crypt", text):
                return True
        return False

    def site(self, st: ast.stmt) -> _Site | None:
        value: ast.expr | None = None
        if isinstance(st, ast.Return | ast.Raise):
            value = st.value if isinstance(st, ast.Return) else st.exc
        elif isinstance(st, ast.Expr) and isinstance(st.value, ast.Call):
            call = st.value
            name = method_name(call)
            receiver = self.ctx.segment(call.func).split(".")[0]
            if name in ("flash", "abort", "add_error") or (receiver == "messages" and name != "get_messages"):
                value = call
        elif isinstance(st, ast.Assign | ast.AnnAssign) and any(
            _MSG_TARGET.search(self.ctx.segment(t)) for t in targets_of(st)
        ):
            value = st.value
        if value is None:
            return None
        return _Site(st, tuple(answer_texts(value)), answer_status(value))


def _exits(body: list[ast.stmt]) -> bool:
    last = body[-1] if body else None
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    if isinstance(last, ast.If):
        return _exits(last.body) and _exits(last.orelse)
    return isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) and method_name(last.value) in _EXITS
