"""JavaScript cases a rule's single fixture cannot hold: a GraphQL resolver module that imports no server
framework (resolvers are server code wherever they sit), a web worker's message handler (workers hear only
their own page), and JSX URL attributes in a .jsx file next to the same names in plain TypeScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import score_file

RESOLVERS = b"""\
import { Product } from "./models";

export const resolvers = {
  Query: {
    products: (_parent, args) => Product.find(args.where), // expect: JS-NOSQL-001
    product: (_parent, { sku }) => Product.findOne({ sku }), // ok: JS-NOSQL-001
  },
};

export function listProducts(filter) {
  return Product.find(filter); // ok: JS-NOSQL-001
}
"""

WORKER = b"""\
importScripts("/vendor/parser.js");

addEventListener("message", (event) => { // ok: JS-MSG-001
  self.postMessage({ parsed: parse(event.data.text) });
});
"""

PAGE = b"""\
addEventListener("message", (event) => { // expect: JS-MSG-001
  document.title = event.data.title;
});
"""

LINKS = b"""\
export function Profile({ user }) {
  const params = new URLSearchParams(window.location.search);
  return (
    <p>
      <a href={user.website}>site</a> {/* expect: JS-XSS-004 */}
      <a href={params.get("next")}>continue</a> {/* expect: JS-XSS-004 */}
      <a href={user.avatar}>avatar</a> {/* ok: JS-XSS-004 */}
    </p>
  );
}
"""

PLAIN_TS = b"""\
const link = { href: new URLSearchParams(location.search).get("next") }; // ok: JS-XSS-004
export default link;
"""


@pytest.mark.parametrize(
    ("name", "source", "rule"),
    [
        ("resolvers.js", RESOLVERS, "JS-NOSQL-001"),
        ("parser.worker.js", WORKER, "JS-MSG-001"),
        ("page.js", PAGE, "JS-MSG-001"),
        ("Profile.jsx", LINKS, "JS-XSS-004"),
        ("link.ts", PLAIN_TS, "JS-XSS-004"),
    ],
)
def test_labelled_snippet(tmp_path: Path, name: str, source: bytes, rule: str) -> None:
    path = tmp_path / name
    path.write_bytes(source)
    score = score_file(path, path.name, frozenset({rule}))
    assert score.skipped is None
    assert score.labels.lines(rule) != (set(), set())
    assert not score.misses, f"missed {sorted(score.misses)}"
    assert not score.false_alarms, f"false alarms {sorted(score.false_alarms)}"
