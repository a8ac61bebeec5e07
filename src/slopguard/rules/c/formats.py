"""printf and scanf format strings: the calls that take one, their conversions, and how long output can get."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Calls whose argument at the given index is a printf-style format.
PRINTF_FORMAT: dict[str, int] = {
    "printf": 0, "vprintf": 0, "wprintf": 0, "vwprintf": 0, "warn": 0, "warnx": 0, "vwarn": 0, "vwarnx": 0,
    "fprintf": 1, "vfprintf": 1, "fwprintf": 1, "vfwprintf": 1, "dprintf": 1, "vdprintf": 1, "sprintf": 1,
    "vsprintf": 1, "asprintf": 1, "vasprintf": 1, "syslog": 1, "vsyslog": 1, "err": 1, "errx": 1, "verr": 1,
    "verrx": 1, "snprintf": 2, "vsnprintf": 2, "swprintf": 2, "vswprintf": 2,
}  # fmt: skip
# printf-style calls that write into their first argument.
BUFFER_FORMAT = frozenset({"sprintf", "vsprintf", "snprintf", "vsnprintf", "asprintf", "vasprintf", "swprintf"})
# Calls whose argument at the given index is a scanf-style format.
SCANF_FORMAT: dict[str, int] = {
    "scanf": 0, "vscanf": 0, "wscanf": 0, "fscanf": 1, "vfscanf": 1, "fwscanf": 1, "sscanf": 1, "vsscanf": 1,
    "swscanf": 1,
}  # fmt: skip

_PRINTF = re.compile(
    r"%(?P<flags>[-+ #0']*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d*))?(?P<len>hh|h|ll|l|L|j|z|t|q)?"
    r"(?P<conv>[diouxXeEfFgGaAcspnCSm%])"
)
_SCANF = re.compile(
    r"%(?P<suppress>\*)?(?P<width>\d+)?(?P<alloc>m|a(?=[sS\[]))?(?P<len>hh|h|ll|l|L|j|z|t|q)?"
    r"(?P<conv>[diouxXaAeEfFgGcsSpn%]|\[\^?\]?[^\]]*\])"
)
# Longest output of an integer conversion, by length modifier ("" int, "h" short, "hh" char, else 64 bits).
_INT_WIDTH = {
    "d": {"hh": 4, "h": 6, "": 11}, "i": {"hh": 4, "h": 6, "": 11}, "u": {"hh": 3, "h": 5, "": 10},
    "x": {"hh": 2, "h": 4, "": 8}, "X": {"hh": 2, "h": 4, "": 8}, "o": {"hh": 3, "h": 6, "": 11},
}  # fmt: skip
_INT_WIDTH_64 = {"d": 20, "i": 20, "u": 20, "x": 16, "X": 16, "o": 22}


@dataclass(frozen=True)
class PrintfSpec:
    conv: str
    flags: str
    width: str
    precision: str | None
    length: str


@dataclass(frozen=True)
class ScanfSpec:
    conv: str
    width: int | None
    suppressed: bool
    allocates: bool
    argument: int | None  # index among the arguments after the format; None when nothing is stored


def printf_arity(name: str, count: int) -> bool:
    """Whether ``count`` arguments fit the C library's ``name``: a v-variant takes exactly its format and a
    va_list, the others their format and any number of values. A C++ library's own ``vsprintf(fmt, args)`` or
    ``sprintf(fmt, values...)`` that builds a string is another function with the same name."""
    index = PRINTF_FORMAT.get(name)
    if index is None:
        return False
    return count == index + 2 if name.startswith("v") else count > index


def printf_specs(fmt: str) -> list[PrintfSpec] | None:
    """The conversions of a printf format, or None when it holds a ``%`` this parser does not understand."""
    specs: list[PrintfSpec] = []
    pos = 0
    while (start := fmt.find("%", pos)) >= 0:
        match = _PRINTF.match(fmt, start)
        if match is None:
            return None
        specs.append(PrintfSpec(match["conv"], match["flags"], match["width"] or "", match["prec"], match["len"] or ""))
        pos = match.end()
    return specs


def arguments_of(specs: list[PrintfSpec]) -> list[tuple[int, PrintfSpec]]:
    """(argument index after the format, spec) for every conversion that consumes an argument."""
    out: list[tuple[int, PrintfSpec]] = []
    index = 0
    for spec in specs:
        if spec.conv in "%m":
            continue
        index += (spec.width == "*") + (spec.precision == "*")
        out.append((index, spec))
        index += 1
    return out


def string_argument_indexes(specs: list[PrintfSpec]) -> list[int]:
    """The arguments printed with %s: the only ones that can carry text (quotes, ``;``, ``%``) into the output."""
    return [i for i, spec in arguments_of(specs) if spec.conv in "sS"]


def max_printf_length(specs: list[PrintfSpec], fmt: str, strings: dict[int, str]) -> int | None:
    """Most bytes (with the terminating NUL) a printf format can produce, or None when unbounded or unknown.
    ``strings`` gives the literal value of %s arguments by argument index."""
    total = len(_PRINTF.sub("", fmt).encode()) + 1
    for index, spec in arguments_of(specs):
        if spec.width == "*" or spec.precision == "*" or spec.conv == "n":
            return None
        if spec.conv in _INT_WIDTH:
            bound = _INT_WIDTH[spec.conv].get(spec.length, _INT_WIDTH_64[spec.conv]) + 2 * ("#" in spec.flags)
        elif spec.conv == "c":
            bound = 1
        elif spec.conv == "p":
            bound = 18
        elif spec.conv == "s" and index in strings:
            bound = len(strings[index].encode())
        else:
            bound = None
        if spec.conv == "s" and spec.precision:
            bound = min(bound, int(spec.precision)) if bound is not None else int(spec.precision)
        if bound is None:
            return None
        total += max(bound, int(spec.width or 0))
    if any(spec.conv == "m" for spec in specs):
        return None  # strerror(errno) text
    return total + sum(spec.conv == "%" for spec in specs)


def scanf_specs(fmt: str) -> list[ScanfSpec]:
    """The conversions of a scanf format, each with the argument that receives it."""
    specs: list[ScanfSpec] = []
    index = 0
    for match in _SCANF.finditer(fmt):
        conv = match["conv"]
        stores = conv != "%" and not match["suppress"]
        width = int(match["width"]) if match["width"] else None
        specs.append(
            ScanfSpec(conv[0], width, bool(match["suppress"]), bool(match["alloc"]), index if stores else None)
        )
        index += stores
    return specs
