"""Go rules (database/sql, os/exec, html/template, crypto/tls, math/rand, crypto hashes), on tree-sitter."""
