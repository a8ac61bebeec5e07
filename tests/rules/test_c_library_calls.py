"""C/C++ rules on code that is not what it looks like: a C++ library's own printf namesakes, and copies into
buffers allocated from the copied strings' lengths (found as false alarms on fmt and jq, issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import score_file

from slopguard.core.finding import Severity
from slopguard.engine.analyse import analyse

# Shaped like fmt's printf.h: a header of C++ templates (read as C, as every .h is) that defines string-returning
# sprintf/vsprintf next to code that calls the C library's functions.
NAMESAKES = b"""\
#include <cstdarg>
#include <cstdio>
#include <string>

namespace fmt {
template <typename Char>
inline auto vsprintf(basic_string_view<Char> fmt, typename vprintf_args<Char>::type args)
    -> std::basic_string<Char> {
  auto buf = basic_memory_buffer<Char>();
  detail::vprintf(buf, fmt, args);
  return {buf.data(), buf.size()};
}

template <typename... T>
inline auto sprintf(string_view fmt, const T&... args) -> std::string {
  return vsprintf(fmt, make_printf_args(args...)); // ok: C-BUF-002, C-FMT-001
}

inline auto answer() -> std::string {
  return sprintf("The answer is %d", 42); // ok: C-BUF-002, C-FMT-001
}
}  // namespace fmt

static char last_error[64];

void set_error(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  vsprintf(last_error, format, ap); // expect: C-BUF-002
  va_end(ap);
}

void greet(const char *name) {
  char line[32];
  sprintf(line, "hello %s", name); // expect: C-BUF-002
  printf(name); // expect: C-FMT-001
}
"""

# Shaped like jq's block_bind_library: the destination is allocated from the lengths of what is copied into it.
SIZED = b"""\
#include <stdlib.h>
#include <string.h>

char *qualify(const char *libname, const char *symbol, size_t at)
{
    int matchlen = (libname == NULL) ? 0 : strlen(libname);
    char *matchname = malloc(matchlen + 2 + 1);
    char *tname;
    char *other = malloc(strlen(symbol) + 1);

    matchname[0] = '\\0';
    if (libname != NULL && libname[0] != '\\0') {
        strcpy(matchname, libname); /* sized */
        strcpy(matchname + matchlen, "::"); /* sized */
        matchlen += 2;
    }
    tname = malloc(strlen(symbol) + matchlen + 1);
    strcpy(tname, matchname); /* sized */
    strcpy(tname + matchlen, symbol); /* sized */
    strcpy(tname + at, symbol); /* unsized: the offset is not counted in the size */
    strcpy(other, libname); /* unsized: allocated from another string */
    free(matchname);
    free(other);
    return tname;
}
"""


@pytest.mark.parametrize("suffix", [".h", ".hpp"])
def test_cpp_namesakes_are_not_the_c_library(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"printf{suffix}"
    path.write_bytes(NAMESAKES)
    rules = frozenset({"C-BUF-002", "C-FMT-001"})
    score = score_file(path, path.name, rules)
    assert score.skipped is None
    assert {rule for _, rule in score.labels.ok} == rules
    assert not score.misses, f"missed {sorted(score.misses)}"
    assert not score.false_alarms, f"false alarms {sorted(score.false_alarms)}"


def test_copies_into_buffers_sized_from_their_sources_are_low() -> None:
    result = analyse("names.c", SIZED, "c", frozenset({"C-BUF-002"}), 1_000_000)
    lines = SIZED.decode().splitlines()
    by_line = {f.location.start_line: f.severity for f in result.findings}
    sized = [n for n, text in enumerate(lines, 1) if "/* sized */" in text]
    unsized = [n for n, text in enumerate(lines, 1) if "/* unsized" in text]
    assert len(sized) == 4 and len(unsized) == 2
    assert {by_line.get(n) for n in sized} == {Severity.LOW}
    assert {by_line.get(n) for n in unsized} == {Severity.HIGH}
