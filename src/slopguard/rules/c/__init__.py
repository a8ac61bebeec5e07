"""C and C++ rules on tree-sitter: unbounded copies and reads, shell commands, format strings, sizes that do not
match their buffers (compiler hardening in build files is in :mod:`slopguard.rules.build_files`)."""
