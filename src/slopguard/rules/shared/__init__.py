"""Knowledge every rule pack shares, held once: SQL and shell vocabularies, secret and password names, and the
tree-sitter walk helpers. Packs import from here, never from each other."""
