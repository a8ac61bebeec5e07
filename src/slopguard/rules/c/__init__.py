"""C and C++ rules on tree-sitter: unbounded copies and reads, shell commands, format strings, sizes that do not
match their buffers, and compiler hardening missing from Makefile / CMakeLists.txt / meson.build."""
