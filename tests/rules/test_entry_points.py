"""Framework entry points and sinks real code uses (issue 12): C++ stream extraction as input to allocation
sizes, and a copy bounded with std::min. The Go/Rust/JS/Java cases live in the rules' own fixtures; this module
holds the C++ ones, whose rules' fixtures are C files."""

from __future__ import annotations

from pathlib import Path

from labels import score_file

STREAMS = b"""\
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

struct Point { int x, y; };

Point *read_points(std::istream &in) {
    size_t count;
    in >> count;
    return static_cast<Point *>(std::malloc(count * sizeof(Point))); // expect: C-ALLOC-001
}

Point *read_grid(const char *path) {
    std::ifstream file(path);
    unsigned rows = 0, cols = 0;
    file >> rows >> cols;
    return static_cast<Point *>(malloc(rows * cols * sizeof(Point))); // expect: C-ALLOC-001
}

Point *read_bounded(std::istream &in) {
    size_t count = 0;
    if (!(in >> count) || count > 4096) {
        return nullptr;
    }
    return static_cast<Point *>(std::malloc(count * sizeof(Point))); // ok: C-ALLOC-001
}

unsigned shifted(unsigned flags, unsigned n) {
    unsigned count = flags >> 4;
    return static_cast<unsigned>(reinterpret_cast<size_t>(malloc(count * n))); // ok: C-ALLOC-001
}

void copy_name(const char *src, size_t size) {
    char dst[64];
    size_t n = std::min(size, sizeof dst - 1);
    memcpy(dst, src, n); // ok: C-SIZE-001
    dst[n] = '\\0';
    std::cout << dst;
}

void copy_unbounded(const char *src, size_t size) {
    char dst[64];
    memcpy(dst, src, size); // expect: C-SIZE-001
    std::cout << dst;
}
"""


def test_stream_extraction_and_bounded_copies(tmp_path: Path) -> None:
    path = tmp_path / "points.cpp"
    path.write_bytes(STREAMS)
    rules = frozenset({"C-ALLOC-001", "C-SIZE-001"})
    score = score_file(path, path.name, rules)
    assert score.skipped is None
    assert {rule for _, rule in score.labels.expect} == rules
    assert not score.misses, f"missed {sorted(score.misses)}"
    assert not score.false_alarms, f"false alarms {sorted(score.false_alarms)}"
