"""Request data that picks code: evaluated expressions and scripts (JAVA-EXPR-001), classes loaded by name
(JAVA-REFLECT-001) and JNDI names looked up (JAVA-JNDI-001)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from tree_sitter import Node

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.flow import Flow, Level
from slopguard.engine.hit import Hit
from slopguard.engine.registry import ts_rule
from slopguard.engine.treesitter.context import TSContext
from slopguard.rules.java.common import calls, declared_type, from_command_line, method, receiver, value_of
from slopguard.rules.java.guards import allow_listed
from slopguard.rules.java.spel_contexts import SPEL_PARSERS, evaluated_in_simple_context

# method -> (receiver types, index of the expression argument, what evaluates it)
_EVALUATORS: dict[str, tuple[frozenset[str], int, str]] = {
    "parseExpression": (
        frozenset({"ExpressionParser", "SpelExpressionParser", "TemplateAwareExpressionParser", "Ognl"}),
        0,
        "expression parser",
    ),
    "parseRaw": (frozenset({"SpelExpressionParser"}), 0, "SpEL parser"),
    "eval": (frozenset({"ScriptEngine", "MVEL", "ELProcessor", "Compilable"}), 0, "script engine"),
    "compile": (frozenset({"Compilable"}), 0, "script engine"),
    "evaluate": (frozenset({"GroovyShell"}), 0, "GroovyShell"),
    "parse": (frozenset({"GroovyShell"}), 0, "GroovyShell"),
    "me": (frozenset({"Eval"}), 0, "Groovy Eval"),
    "compileExpression": (frozenset({"MVEL"}), 0, "MVEL"),
    "evalToString": (frozenset({"MVEL"}), 0, "MVEL"),
    "getValue": (frozenset({"Ognl", "ELProcessor"}), 0, "expression evaluator"),
    "setValue": (frozenset({"Ognl", "ELProcessor"}), 0, "expression evaluator"),
    "createExpression": (frozenset({"JexlEngine", "JxltEngine"}), 0, "JEXL"),
    "createScript": (frozenset({"JexlEngine"}), 0, "JEXL"),
    "createValueExpression": (frozenset({"ExpressionFactory"}), 1, "EL"),
    "createMethodExpression": (frozenset({"ExpressionFactory"}), 1, "EL"),
}
# Receivers whose type shows in the call chain rather than a declaration.
_ENGINE_CHAIN = re.compile(r"getEngineBy(?:Name|Extension|MimeType)\(|new(?:Spel)?ExpressionParser\(|createJexl\(")
_CHAIN_TYPES = {"getEngineBy": "ScriptEngine", "ExpressionParser(": "SpelExpressionParser", "createJexl(": "JexlEngine"}
_STATIC_RECEIVERS = frozenset({"Ognl", "MVEL", "Eval"})


def _receiver_type(obj: Node, ctx: TSContext) -> str:
    text = ctx.compact(obj)
    if text in _STATIC_RECEIVERS or text.endswith(tuple("." + r for r in _STATIC_RECEIVERS)):
        return text.rsplit(".", 1)[-1]
    kind = declared_type(obj, ctx)
    if kind and kind != "var":
        return kind
    chain = ctx.compact(value_of(obj, ctx))
    if _ENGINE_CHAIN.search(chain):
        return next(t for marker, t in _CHAIN_TYPES.items() if marker in chain)
    return kind


def _attacker(value: Node, at: Node, ctx: TSContext) -> Flow | None:
    """The request flow into ``value``, unless it comes from the command line or passed an allow-list check."""
    flow = ctx.tainted(value)
    if flow is None or from_command_line(flow, at, ctx) or allow_listed(value, at, ctx):
        return None
    return flow


@ts_rule(
    id="JAVA-EXPR-001",
    title="Expression or script from the request is evaluated",
    cwe=94,
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(" + "|".join(sorted(_EVALUATORS)) + ")$"),
    why="""Assistants build "formula", "filter" and "rule" features by handing the user's text to an evaluator:
    new SpelExpressionParser().parseExpression(request.getParameter("expr")).getValue(), a ScriptEngine's
    eval(body), Ognl.getValue(expr, root), MVEL.eval(rule, vars), GroovyShell.evaluate(script) or an EL
    ExpressionFactory. These languages reach Java classes: T(java.lang.Runtime).getRuntime().exec('...') in SpEL,
    @java.lang.Runtime@getRuntime() in OGNL, or plain Java in Groovy and JavaScript, so the request runs commands
    on the server.""",
    fix="""Do not evaluate request text. Parse a tiny grammar of your own, or map allowed names to fixed
    expressions; where SpEL is unavoidable evaluate with SimpleEvaluationContext.forReadOnlyDataBinding() (no type
    references, constructors or bean calls), and for scripts use a sandbox with no host class access.""",
)
def java_expression_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    entry = _EVALUATORS.get(method(call, ctx))
    obj = receiver(call)
    args = ctx.arguments(call)
    if entry is None or obj is None:
        return
    types, index, what = entry
    kind = _receiver_type(obj, ctx)
    if len(args) <= index or kind not in types:
        return
    if kind in SPEL_PARSERS and evaluated_in_simple_context(call, ctx):
        return  # parsing runs nothing; the only evaluation has no type references, constructors or bean calls
    flow = _attacker(args[index], call, ctx)
    if flow is not None:
        yield ctx.hit(call, f"{what} evaluates text from the request ({flow.origin}); it can call any Java class")
        return
    built = ctx.flow(args[index])
    if built.built and built.level is Level.UNKNOWN:  # parser.parseExpression(field + " == 'x'") in a service method
        yield ctx.hit(
            call,
            f"{what} evaluates an expression assembled from non-constant data; if any piece comes from a user it "
            "can call any Java class",
            severity=Severity.HIGH,
            confidence=Confidence.MEDIUM,
        )


_CLASS_LOADERS = frozenset({"ClassLoader", "URLClassLoader", "SecureClassLoader"})
_LOADER_CHAIN = re.compile(r"getClassLoader\(\)$|getContextClassLoader\(\)$|getSystemClassLoader\(\)$")


@ts_rule(
    id="JAVA-REFLECT-001",
    title="Class loaded by a name from the request",
    cwe=470,
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(forName|loadClass)$"),
    why="""Assistants write plug-in, "handler" and report-type dispatch as
    Class.forName(request.getParameter("type")).getDeclaredConstructor().newInstance(). The request then picks
    any class on the classpath: constructors and static initialisers with side effects, gadget classes that open
    files or connections, or a type the code was never meant to instantiate.""",
    fix="""Map the allowed names to classes or factories in code (Map.of("csv", CsvExporter::new)) and reject
    anything else; if a name must be loaded, check it against an allow-list first.""",
)
def java_unsafe_reflection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    obj = receiver(call)
    args = ctx.arguments(call)
    if obj is None or not args:
        return
    name = method(call, ctx)
    text = ctx.compact(obj)
    if name == "forName" and text not in ("Class", "java.lang.Class", "ClassUtils"):
        return
    if name == "loadClass" and declared_type(obj, ctx) not in _CLASS_LOADERS and not _LOADER_CHAIN.search(text):
        return
    flow = _attacker(args[0], call, ctx)
    if flow is not None:
        yield ctx.hit(call, f"{name}() loads a class named by the request ({flow.origin}); allow-list the names")


_NAMING_TYPES = frozenset(
    {"Context", "InitialContext", "DirContext", "InitialDirContext", "LdapContext", "InitialLdapContext",
     "JndiTemplate", "JndiLocatorDelegate"}
)  # fmt: skip


@ts_rule(
    id="JAVA-JNDI-001",
    title="JNDI lookup of a name from the request",
    cwe=74,
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    languages=("java",),
    query=calls("^(lookup|lookupLink)$"),
    why="""Assistants expose "look up this resource/data source" helpers as new InitialContext().lookup(name)
    with the name taken from the request. A name such as ldap://attacker.example/x or rmi://... makes the server
    fetch a reference from the attacker's directory and, on many JDKs and with common factories on the
    classpath, load and run the attacker's class: the Log4Shell technique.""",
    fix="""Look up only fixed names from configuration (java:comp/env/jdbc/orders); if a choice is needed, map an
    allowed key to the name in code and never pass a URL-shaped name to lookup().""",
)
def java_jndi_injection(captures: dict[str, list[Any]], ctx: TSContext) -> Iterator[Hit]:
    call: Node = captures["call"][0]
    obj = receiver(call)
    args = ctx.arguments(call)
    if obj is None or len(args) != 1:
        return
    value = value_of(obj, ctx)
    kind = declared_type(obj, ctx)
    if kind not in _NAMING_TYPES and not ctx.compact(value).startswith(("newInitial", "newjavax.naming.Initial")):
        return
    flow = _attacker(args[0], call, ctx)
    if flow is not None:
        yield ctx.hit(
            call, f"JNDI {method(call, ctx)}() of a name from the request ({flow.origin}); remote classes load"
        )
