"""JavaScript and TypeScript rules (Node, Express, browser, React), on tree-sitter."""
