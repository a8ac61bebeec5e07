"""JavaScript value shapes in the tree-sitter taint engine: object literals keyed by names, ``map`` callbacks and
``length`` counts. Each case pairs a ``sink(...)`` argument that carries request data with a look-alike that does
not."""

from __future__ import annotations

import pytest
from sink_flows import sink_flows


def _sink_flows(code: str) -> list[tuple[bool, bool]]:
    """(tainted, dynamic) of the first argument of each ``sink(...)`` call, in order."""
    return [(flow.tainted, flow.dynamic) for flow in sink_flows("javascript", code)]


HANDLER = """
const COLUMNS = { price: "price_cents", name: "name" };
function handle(req, res) {
  const fields = Object.keys(req.body).filter((k) => k in COLUMNS);
%s
}
"""

CASES = {
    # name: (flagged body, look-alike body)
    "a lookup in a constant map": ("sink(req.query.sort);", "sink(COLUMNS[req.query.sort] || 'name');"),
    "map callback result": (
        "sink(fields.map((k) => `${k} = '${req.body[k]}'`).join(', '));",
        "sink(fields.map((k, i) => `${COLUMNS[k]} = $${i + 1}`).join(', '));",
    ),
    "map callback element": ("sink(fields.map((k) => k).join(', '));", "sink(fields.map(() => '?').join(', '));"),
    "length of a request object": (
        "const ids = req.body.ids;\nsink(`LIMIT ${ids.length}`);",
        "const values = fields.map((k) => String(req.body[k]));\nsink(`$${values.length + 1}`);",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_flagged_and_look_alike(name: str) -> None:
    flagged, safe = CASES[name]
    assert _sink_flows(HANDLER % flagged) == [(True, True)], f"{name}: the flaw is not seen"
    assert not _sink_flows(HANDLER % safe)[0][0], f"{name}: the look-alike is taken for request data"


def test_object_literal_of_constants_is_constant() -> None:
    assert _sink_flows("const o = { a: 'x', b: 2 };\nsink(o.a);\nsink({ [key]: 1 });") == [
        (False, False),
        (False, True),
    ]
