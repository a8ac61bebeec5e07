"""The vocabularies every rule pack shares (``slopguard.rules.shared``), and the rule that packs share them only
through it: no pack imports another pack."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import tree_sitter_go
from tree_sitter import Language, Node, Parser

import slopguard.rules as rules_package
from slopguard.core.finding import Confidence
from slopguard.rules.shared.accounts import USER_SPECIFIC, says_unknown_account, says_wrong_password
from slopguard.rules.shared.names import OTHER_TOKENS, SECRET_ENDINGS, SECRET_WORDS, SecretNames, names_secret, words
from slopguard.rules.shared.secrets import grade_secret, secret_kind, url_password
from slopguard.rules.shared.security_todos import security_topic
from slopguard.rules.shared.shell import is_script_flag, is_shell, shell_name
from slopguard.rules.shared.sql import looks_sql
from slopguard.rules.shared.trees import ancestor, any_of, walk

RULES = Path(rules_package.__file__).resolve().parent
SHARED = "shared"


# ----- packs import only the shared package ---------------------------------------------------------------------
def _imported_rule_modules(path: Path) -> list[str]:
    """Every ``slopguard.rules.*`` module a file imports, at any depth (TYPE_CHECKING and function bodies too)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            found += [n for n in names if n.startswith("slopguard.rules.")]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("slopguard.rules.")]
    return found


def _pack_of(module: str) -> str:
    return module.split(".")[2]


@pytest.mark.parametrize(
    "path", sorted(p for p in RULES.rglob("*.py") if p.parent != RULES), ids=lambda p: str(p.relative_to(RULES))
)
def test_packs_import_no_other_pack(path: Path) -> None:
    own = path.relative_to(RULES).parts[0]
    allowed = {own} if own == SHARED else {own, SHARED}
    foreign = sorted({m for m in _imported_rule_modules(path) if _pack_of(m) not in allowed})
    assert not foreign, f"{path.relative_to(RULES)} imports {foreign}; shared knowledge belongs in rules/shared/"


def test_the_isolation_check_sees_a_foreign_import(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text("from slopguard.rules.python.names import speaking_name\nimport slopguard.rules.go.common\n")
    assert [_pack_of(m) for m in _imported_rule_modules(module)] == ["python", "python", "go"]


# ----- SQL ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM users WHERE name = '",
        "SELECT id,\n       name\n  FROM users",
        "insert into audit (who) values (",
        "REPLACE INTO kv VALUES(",
        "UPDATE users SET role = ",
        "delete from sessions",
        "DROP TABLE t",
        "create index idx_name on users",
        "ORDER BY ",
        "SELECT count(*) AS n FROM t GROUP BY kind",
        "TRUNCATE logs",
        "users JOIN orders ON orders.user_id = users.id",
    ],
)
def test_sql_text_is_recognised(text: str) -> None:
    assert looks_sql(text)


@pytest.mark.parametrize("text", ["hello, world", "select a colour", "update the cache", "created at", ""])
def test_prose_is_not_sql(text: str) -> None:
    assert not looks_sql(text)


def test_a_condition_is_sql_only_where_the_sink_takes_one() -> None:
    assert not looks_sql("name = ")
    assert looks_sql("name = ", condition=True)
    assert looks_sql("deleted_at IS NULL AND role IN (", condition=True)
    assert not looks_sql("users", condition=True)


# ----- shell ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "program", ["sh", "bash", "/bin/sh", "/usr/bin/bash", "/usr/local/bin/zsh", "ash", "mksh", "fish", "cmd.exe",
                "C:\\Windows\\System32\\cmd.exe", "PowerShell.exe", "pwsh", " dash "],
)  # fmt: skip
def test_shells_are_recognised_by_name_or_path(program: str) -> None:
    assert is_shell(program)


@pytest.mark.parametrize("program", ["ls", "git", "shell", "bashful", "/bin/shred", "ssh", "python", ""])
def test_other_programs_are_not_shells(program: str) -> None:
    assert not is_shell(program)


def test_shell_name_is_the_file_name_without_exe() -> None:
    assert shell_name("/usr/bin/bash") == "bash"
    assert shell_name("C:\\Windows\\System32\\CMD.EXE") == "cmd"


@pytest.mark.parametrize("flag", ["-c", "-lc", "-ec", "-ce", "/c", "/C", "/k", "-Command", "-command",
                                  "-EncodedCommand"])  # fmt: skip
def test_script_flags(flag: str) -> None:
    assert is_script_flag(flag)


@pytest.mark.parametrize("flag", ["-e", "-x", "--norc", "--login", "-", "c", "/d", "-File", ""])
def test_other_flags_do_not_take_a_script(flag: str) -> None:
    assert not is_script_flag(flag)


# ----- names and secrets ----------------------------------------------------------------------------------------
def test_words_split_every_naming_style() -> None:
    assert words("DB_PASSWORD") == ["db", "password"]
    assert words("apiKey") == ["api", "key"]
    assert words("X-Hub-Signature") == ["x", "hub", "signature"]
    assert words("HTTPServer2") == ["http", "server", "2"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [("DB_PASSWORD", "password"), ("apiToken", "token"), ("SECRET_KEY", "own"), ("stripe_secret", "key"),
     ("client_credentials", "password"), ("PII_KEY", "random"), ("password_field", None), ("cache_key", None),
     ("TOKEN_KEY", None), ("username", None), ("AUTH_PEPPER", "own"), ("DEVICE_PSK", "key"),
     ("pre_shared_key", "key"), ("PSK_IDENTITY", None), ("STORAGE_SECRET_KEY", "own"), ("kProviderApiKey", "key"),
     ("SECRET_PROVIDER", None), ("token_storage", None), ("SIGNING_SALT", "random")],
)  # fmt: skip
def test_secret_kind(name: str, kind: str | None) -> None:
    assert secret_kind(name) == kind


def test_grade_secret_tells_values_from_labels_and_placeholders() -> None:
    assert grade_secret("password", "DB_PASSWORD", "hunter2-Xq9!", True) is Confidence.HIGH
    assert grade_secret("password", "DB_PASSWORD", "password", True) is None  # the name, not a value
    assert grade_secret("password", "password", "<your password>", False) is None
    assert grade_secret("own", "SECRET_KEY", "changeme", True) is Confidence.HIGH
    assert grade_secret("token", "api_token", "abc", False) is None  # too short to be a token


@pytest.mark.parametrize(
    ("text", "password"),
    [("postgres://etl:Qw7zK2mXv9LtR4pN@db.internal.example:5432/dw", "Qw7zK2mXv9LtR4pN"),
     ("redis://:c4Vx8Lq2Tm9kZr1W@cache.example.com:6379/0", "c4Vx8Lq2Tm9kZr1W"),
     ("postgres://user:password@localhost/app", None), ("postgres://app:${DB_PASSWORD}@db/app", None),
     ("postgres://<user>:<password>@<host>/db", None), ("postgres://app:changeme2024@db.example.com/app", None),
     ("postgres://app:short@db/app", None), ("https://example.com/login?next=/a", None)],
)  # fmt: skip
def test_url_password_finds_real_logins_in_any_url(text: str, password: str | None) -> None:
    assert url_password(text) == password


@pytest.mark.parametrize(
    "text",
    ["No courier account for this email", "no operator with that email", "unknown player name",
     "That address does not own any project", "No helpdesk account uses this e-mail", "User not found",
     "We could not find that member", "This e-mail is not registered"],
)  # fmt: skip
def test_messages_that_say_the_account_is_absent(text: str) -> None:
    assert says_unknown_account(text)


@pytest.mark.parametrize(
    "text",
    ["Invalid email or password", "If an account exists for that address, we sent a link", "Unknown error",
     "Invoice not found", "no access for this user", "Share link not found", "No password set for this account"],
)  # fmt: skip
def test_generic_or_unrelated_messages_say_nothing_about_accounts(text: str) -> None:
    assert not says_unknown_account(text)


def test_wrong_password_messages() -> None:
    assert says_wrong_password("Wrong password for this player")
    assert says_wrong_password("Incorrect PIN")
    assert not says_wrong_password("Invalid username or password")
    assert not says_wrong_password("pinned certificate mismatch")


def test_user_specific_messages_name_one_identifier_not_a_generic_pair() -> None:
    assert USER_SPECIFIC.search("invalid username")
    assert USER_SPECIFIC.search("wrong e-mail address")
    assert not USER_SPECIFIC.search("invalid username or password")
    assert not USER_SPECIFIC.search("invalid user or password")


@pytest.mark.parametrize(
    ("note", "secure"),
    [("restrict to the caller's own ward", True), ("only project owners should be able to delete flags", True),
     ("scope the query to the current tenant", True), ("check ownership before deleting", True),
     ("every dashboard user can delete flags", True), ("restrict the width to 80 columns", False),
     ("limit the batch to 100 rows", False), ("only the first item should be shown", False)],
)  # fmt: skip
def test_security_topic_reads_authorisation_wording(note: str, secure: bool) -> None:
    assert (security_topic(note) is not None) is secure


def test_names_secret_reads_a_language_vocabulary() -> None:
    plain = SecretNames(SECRET_ENDINGS, SECRET_WORDS, frozenset(), OTHER_TOKENS, frozenset({"otp"}))
    assert names_secret("webhookSignature", plain)
    assert names_secret("API_KEY", plain)
    assert names_secret("otp_code", plain)
    assert not names_secret("verify_code", plain)
    assert not names_secret("next_page_token", plain)  # pagination, not a credential
    assert not names_secret("token_type", plain)  # metadata about a token
    assert not names_secret(None, plain)
    assert not names_secret("expected_sig", plain)
    with_sig = SecretNames(SECRET_ENDINGS, SECRET_WORDS, frozenset({"sig"}), OTHER_TOKENS, frozenset())
    assert names_secret("expected_sig", with_sig)


# ----- trees ----------------------------------------------------------------------------------------------------
_GO = b"package m\n\nfunc outer() {\n\tinner := func() { call(1) }\n\tinner()\n}\n"


def _go_tree() -> Node:
    return Parser(Language(tree_sitter_go.language())).parse(_GO).root_node


def test_walk_visits_named_nodes_in_source_order() -> None:
    calls = [n for n in walk(_go_tree()) if n.type == "call_expression"]
    assert [n.text for n in calls] == [b"call(1)", b"inner()"]
    starts = [n.start_byte for n in walk(_go_tree())]
    assert starts == sorted(starts)


def test_walk_skips_subtrees_of_the_given_types() -> None:
    types = {n.type for n in walk(_go_tree(), skip={"func_literal"})}
    assert "function_declaration" in types and "func_literal" not in types
    assert [n.text for n in walk(_go_tree(), skip={"func_literal"}) if n.type == "call_expression"] == [b"inner()"]


def test_ancestor_finds_the_nearest_enclosing_kind() -> None:
    call = next(n for n in walk(_go_tree()) if n.type == "call_expression")
    literal = ancestor(call, ("func_literal", "function_declaration"))
    assert literal is not None and literal.type == "func_literal"
    declaration = ancestor(literal, ("func_literal", "function_declaration"))
    assert declaration is not None and declaration.type == "function_declaration"
    assert ancestor(declaration, ("func_literal",)) is None


def test_any_of_quotes_each_name_for_a_query_predicate() -> None:
    assert any_of(("Query", "Exec")) == '"Query" "Exec"'
