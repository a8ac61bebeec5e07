"""SQL injection (database errors, boolean pairs, bounded time delays) and OS command injection (computed echo
markers, bounded time delays), per parameter."""

from __future__ import annotations

import random
import re
import statistics

from slopguard.core.finding import Confidence
from slopguard.probe.checks.common import delayed, injectable, normalize, same, with_value
from slopguard.probe.client import Exchange
from slopguard.probe.context import ProbeContext, excerpt
from slopguard.probe.model import Endpoint, Param

SQL_ERRORS = re.compile(
    r"sqlite3?\.(?:Operational|Programming|Database)Error|unrecognized token|near \"[^\"]*\": syntax error"
    r"|SQLITE_ERROR|You have an error in your SQL syntax|mysql_fetch|MySQLSyntaxErrorException|psycopg2?\.errors"
    r"|PG::SyntaxError|unterminated quoted string|syntax error at or near|ORA-\d{5}|Microsoft OLE DB Provider"
    r"|SQLSTATE\[|Unclosed quotation mark|quoted string not properly terminated|sqlalchemy\.exc\.\w+Error"
    r"|SQL syntax.*?MariaDB|pymysql\.err|django\.db\.utils\.\w+Error"
)
ERROR_SUFFIXES = ("'", '"', "')", "\\")
# (true, false) pairs in three quoting contexts; a second pair confirms the first. Both halves of a pair have
# the same length (also HTML-escaped), so a page that merely reports its input's length cannot tell them apart.
BOOLEAN_PAIRS = (
    (("' OR 1=1 -- -", "' AND 1=2-- -"), ("' OR 2>1 -- -", "' AND 2<1-- -")),
    (("'  OR '1'='1", "' AND '1'='2"), ("'  OR 'b'='b", "' AND 'b'='c")),
    (("  OR 1=1", " AND 1=2"), ("  OR 3>2", " AND 3<2")),
)
SQL_SLEEPS = (
    "' AND SLEEP({d})-- -",
    "' OR SLEEP({d})-- -",
    "'; SELECT pg_sleep({d})-- -",
    "' || pg_sleep({d})-- -",
    "'; WAITFOR DELAY '0:0:{d}'-- -",
)
SHELL_SEPARATORS = (";{cmd};", "|{cmd}", "$({cmd})", "`{cmd}`", "&&{cmd}", "\n{cmd}\n")
SHELL_SLEEPS = (";sleep {d};", "$(sleep {d})", "|sleep {d}", "\nsleep {d}\n")


def usual_time(ctx: ProbeContext, ep: Endpoint) -> float:
    times = [x.elapsed for x in ctx.client.history if x.path.split("?")[0] == ctx.path_of(ep, {}) and not x.timed_out]
    return statistics.median(times) if times else 0.0


def _sql_error(ctx: ProbeContext, ep: Endpoint, p: Param, base: Exchange) -> bool:
    for suffix in ERROR_SUFFIXES:
        value = with_value(p, suffix)
        answer = ctx.request(ep, {p.name: value})
        m = SQL_ERRORS.search(answer.text)
        if m and not SQL_ERRORS.search(base.text):
            ctx.observe("PROBE-SQLI-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): appending {suffix!r} makes the database "
                        f"report a syntax error (HTTP {answer.status})",
                        answer, excerpt(answer.text, m.group(0)))  # fmt: skip
            return True
        if suffix == "'" and answer.status >= 500 and 0 < base.status < 500:
            doubled = ctx.request(ep, {p.name: with_value(p, "''")})
            if 0 < doubled.status < 500:
                ctx.observe("PROBE-SQLI-001", ep, p.name,
                            f"{ep.label} parameter '{p.name}' ({p.where}): one quote gives HTTP {answer.status}, "
                            f"two quotes give HTTP {doubled.status}: the quote ends a SQL string",
                            answer, excerpt(answer.text), confidence=Confidence.MEDIUM)  # fmt: skip
                return True
    return False


def _sql_boolean(ctx: ProbeContext, ep: Endpoint, p: Param) -> bool:
    for (t1, f1), (t2, f2) in BOOLEAN_PAIRS:
        payloads = [with_value(p, s) for s in (t1, f1, t2, f2)] + [str(p.example)]
        true1 = ctx.request(ep, {p.name: payloads[0]})
        false1 = ctx.request(ep, {p.name: payloads[1]})
        if ctx.dry_run or same(true1, false1, payloads):
            continue
        true2 = ctx.request(ep, {p.name: payloads[2]})
        false2 = ctx.request(ep, {p.name: payloads[3]})
        if same(true1, true2, payloads) and same(false1, false2, payloads) and not same(true2, false2, payloads):
            t_len, f_len = len(normalize(true1.text, payloads)), len(normalize(false1.text, payloads))
            ctx.observe("PROBE-SQLI-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): {t1.strip()!r} and {f1.strip()!r} give "
                        f"different answers (HTTP {true1.status}, {t_len} bytes vs HTTP {false1.status}, {f_len} "
                        f"bytes), confirmed by a second pair: the condition runs as SQL",
                        true1, excerpt(true1.text))  # fmt: skip
            return True
    return False


def _sql_time(ctx: ProbeContext, ep: Endpoint, p: Param) -> None:
    baseline = usual_time(ctx, ep)
    for template in SQL_SLEEPS:
        slow, answer = delayed(ctx, ep, p, template, baseline)
        if slow and answer is not None:
            ctx.observe("PROBE-SQLI-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): {template.format(d='N')!r} delays the "
                        f"answer by N seconds ({answer.elapsed:.1f}s for N={2 * ctx.options.time_delay:g}; usual "
                        f"{baseline:.2f}s)",
                        answer, f"answered after {answer.elapsed:.2f}s")  # fmt: skip
            return


def _command(ctx: ProbeContext, ep: Endpoint, p: Param, base: Exchange) -> None:
    rng = random.Random(ctx.marker + p.name)
    a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
    marker = f"sg{a * b}x"
    for template in SHELL_SEPARATORS:
        payload = template.format(cmd=f"echo sg$(({a}*{b}))x")
        answer = ctx.request(ep, {p.name: with_value(p, payload)})
        if marker in answer.text and marker not in base.text:
            ctx.observe("PROBE-CMDI-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): the shell ran the appended "
                        f"{payload.strip()!r} and its output {marker!r} came back",
                        answer, excerpt(answer.text, marker))  # fmt: skip
            return
    baseline = usual_time(ctx, ep)
    for template in SHELL_SLEEPS:
        slow, late = delayed(ctx, ep, p, template, baseline)
        if slow and late is not None:
            ctx.observe("PROBE-CMDI-001", ep, p.name,
                        f"{ep.label} parameter '{p.name}' ({p.where}): appending {template.strip()!r} delays the "
                        f"answer as long as the sleep asks ({late.elapsed:.1f}s; usual {baseline:.2f}s)",
                        late, f"answered after {late.elapsed:.2f}s")  # fmt: skip
            return


def run(ctx: ProbeContext) -> None:
    for ep, p in injectable(ctx):
        base = ctx.baseline(ep)
        if not (_sql_error(ctx, ep, p, base) or _sql_boolean(ctx, ep, p)):
            _sql_time(ctx, ep, p)
        _command(ctx, ep, p, base)
