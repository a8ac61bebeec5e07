"""Rules declare themselves here: metadata next to the check, registered by a decorator."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NotRequired, TypedDict, TypeVar, Unpack

from slopguard.core.finding import Confidence, Severity
from slopguard.core.rule import RuleMeta
from slopguard.engine.hit import Hit

if TYPE_CHECKING:
    from slopguard.engine.python.context import PyContext
    from slopguard.engine.text import TextContext
    from slopguard.engine.treesitter.context import TSContext


PyCheck = Callable[[Any, "PyContext"], Iterable[Hit]]
TextCheck = Callable[["TextContext"], Iterable[Hit]]
# A tree-sitter rule's check gets one query match: capture name -> captured nodes.
TSCheck = Callable[[dict[str, list[Any]], "TSContext"], Iterable[Hit]]
C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class Rule(Generic[C]):
    """A rule's metadata plus its check."""

    meta: RuleMeta
    check: C
    node_types: tuple[type[ast.AST], ...] = field(default=())
    # Python rules: the words a call must show for the check to run on it (see ``python_rule``); None: every call.
    calls: frozenset[str] | None = None


_PY_RULES: dict[str, Rule[PyCheck]] = {}
_TEXT_RULES: dict[str, Rule[TextCheck]] = {}


@dataclass(frozen=True, slots=True)
class TSRule:
    """A tree-sitter rule: its metadata, the query it matches, and the check run on each match."""

    meta: RuleMeta
    check: TSCheck
    query: str


_TS_RULES: dict[str, TSRule] = {}
_META_ONLY: dict[str, RuleMeta] = {}


class RuleArgs(TypedDict):
    """The metadata every rule declares (keyword arguments of the rule decorators)."""

    id: str
    title: str
    cwe: int | tuple[int, ...]
    severity: Severity
    confidence: Confidence
    why: str
    fix: str
    tags: NotRequired[tuple[str, ...]]


def _meta(args: RuleArgs, languages: tuple[str, ...]) -> RuleMeta:
    rule_id = args["id"]
    if rule_id in all_rule_meta():
        raise ValueError(f"duplicate rule id {rule_id}")
    cwe = args["cwe"]
    return RuleMeta(
        id=rule_id,
        title=args["title"],
        cwe=(cwe,) if isinstance(cwe, int) else cwe,
        severity=args["severity"],
        confidence=args["confidence"],
        languages=languages,
        why=" ".join(args["why"].split()),
        fix=" ".join(args["fix"].split()),
        tags=args.get("tags", ()),
    )


def python_rule(
    *, nodes: tuple[type[ast.AST], ...], calls: Iterable[str] | None = None, **args: Unpack[RuleArgs]
) -> Callable[[PyCheck], PyCheck]:
    """Register a Python AST rule; ``nodes`` are the node types its check is called with.

    ``calls`` (for a rule that takes ``ast.Call``) are the only words on which its check can fire for a call: the
    called function's last name part, as written (``cur.execute`` -> ``execute``) or as resolved through the
    file's imports (``from os import system as run``: ``run(...)`` -> ``system``), and keyword-argument names
    (``verify=``). Dotted names may be given: only their last part counts, so a rule can pass the table of
    qualified names its check looks up. ``*`` at the start or end of a word matches any name ending or starting
    with the rest (``HttpResponse*``). The check then runs only on calls showing one of these words; it must
    find nothing on any other call (tests/engine/test_call_index.py compares both ways). Without ``calls`` the
    check sees every call; node types other than ``ast.Call`` are not affected.
    """
    words = None if calls is None else _call_words(calls, nodes)

    def register(check: PyCheck) -> PyCheck:
        meta = _meta(args, ("python",))
        _PY_RULES[meta.id] = Rule(meta, check, nodes, words)
        return check

    return register


def _call_words(calls: Iterable[str], nodes: tuple[type[ast.AST], ...]) -> frozenset[str]:
    words = frozenset(word.rsplit(".", 1)[-1] for word in calls)
    if ast.Call not in nodes or not words:
        raise ValueError("calls= needs ast.Call among the node types, and at least one word")
    for word in words:
        bare = word.removeprefix("*") if word.startswith("*") else word.removesuffix("*")
        if not bare or "*" in bare:
            raise ValueError(f"calls= word {word!r}: a name, with at most one '*' at its start or end")
    return words


def text_rule(*, languages: tuple[str, ...] = ("*",), **args: Unpack[RuleArgs]) -> Callable[[TextCheck], TextCheck]:
    """Register a rule that reads a file's lines: of every text file (secrets, markers), or only of ``languages``
    (template files, which have no parser of their own)."""

    def register(check: TextCheck) -> TextCheck:
        meta = _meta(args, languages)
        _TEXT_RULES[meta.id] = Rule(meta, check)
        return check

    return register


def ts_rule(*, languages: tuple[str, ...], query: str, **args: Unpack[RuleArgs]) -> Callable[[TSCheck], TSCheck]:
    """Register a rule for tree-sitter languages: ``query`` (tree-sitter query syntax) finds candidate nodes,
    the check decides on each match. Languages: javascript, typescript, java, c, cpp, rust, go."""

    def register(check: TSCheck) -> TSCheck:
        meta = _meta(args, languages)
        _TS_RULES[meta.id] = TSRule(meta, check, query)
        return check

    return register


def declare(meta: RuleMeta) -> RuleMeta:
    """Register metadata for a rule the engine itself raises (e.g. suppression hygiene)."""
    if meta.id in all_rule_meta():
        raise ValueError(f"duplicate rule id {meta.id}")
    _META_ONLY[meta.id] = meta
    return meta


def python_rules() -> dict[str, Rule[PyCheck]]:
    return _PY_RULES


def text_rules() -> dict[str, Rule[TextCheck]]:
    return _TEXT_RULES


def ts_rules() -> dict[str, TSRule]:
    return _TS_RULES


# Rule packs are imported as a scan meets their languages (the loader comes from the pipeline, which knows the
# packs); the catalog of every code rule, loaded or not, answers "is this a rule?" for suppression comments.
_loader: Callable[[Iterable[str]], object] | None = None
_known: Mapping[str, RuleMeta] | None = None


def use_loader(loader: Callable[[Iterable[str]], object] | None, known: Mapping[str, RuleMeta] | None = None) -> None:
    """Let :func:`require` import rule packs with ``loader``; ``known``: every code rule's metadata."""
    global _loader, _known
    _loader, _known = loader, known


def require(*languages: str) -> None:
    """Make sure the rules that read files of ``languages`` are registered (a no-op when all are)."""
    if _loader is not None:
        _loader(languages)


def known_rule_meta() -> Mapping[str, RuleMeta]:
    """Every code rule's metadata, including rules of packs this process has not imported."""
    return _known if _known is not None else all_rule_meta()


def all_rule_meta() -> dict[str, RuleMeta]:
    """Every registered rule's metadata, keyed by id, sorted."""
    metas = {**_META_ONLY}
    metas.update({k: r.meta for k, r in _PY_RULES.items()})
    metas.update({k: r.meta for k, r in _TEXT_RULES.items()})
    metas.update({k: r.meta for k, r in _TS_RULES.items()})
    return dict(sorted(metas.items()))


def iter_selected(ids: Iterable[str], rules: dict[str, Rule[C]]) -> Iterator[Rule[C]]:
    wanted = set(ids)
    for rid, rule in rules.items():
        if rid in wanted:
            yield rule


def select_rules(select: Iterable[str], ignore: Iterable[str], known: Mapping[str, RuleMeta] | None = None) -> set[str]:
    """Rule ids chosen by id or id prefix (``PY-SQLI``, ``PY``, ``ALL``); unknown selectors are an error.

    ``ALL`` (the default) leaves out rules tagged ``opt-in``; naming them by id or prefix selects them.
    """
    metas = all_rule_meta() if known is None else known

    def expand(selector: str) -> set[str]:
        sel = selector.strip().upper()
        if sel in ("ALL", "*"):
            return {rid for rid, meta in metas.items() if "opt-in" not in meta.tags}
        ids = {rid for rid in metas if rid == sel or rid.startswith(sel + "-") or rid.startswith(sel)}
        if not ids:
            raise ValueError(f"unknown rule or rule prefix {selector!r}")
        return ids

    chosen: set[str] = set()
    for sel in select or ["ALL"]:
        chosen |= expand(sel)
    for sel in ignore:
        chosen -= expand(sel)
    return chosen
