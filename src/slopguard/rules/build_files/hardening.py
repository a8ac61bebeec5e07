"""C-HARDEN-001: a C/C++ build file (Makefile, *.mk, CMakeLists.txt, meson.build) without compiler hardening.

Recognised by name (Makefile, makefile, GNUmakefile, *.mk, CMakeLists.txt, *.cmake, meson.build) or, for other
text files slopguard reads as configuration, by content (``cmake_minimum_required``; meson's ``project('x',
'c')`` with targets; make-style ``CFLAGS =`` with recipe lines), so a CMakeLists kept under another name is read
too. Reported once per file, on the line that sets the compiler flags (else the first target, else line 1).
Files that only include other build files, CMake/meson subdirectory files (they inherit the root's flags),
generated makefiles and kernel Kbuild makefiles are left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.hit import Hit
from slopguard.engine.registry import text_rule
from slopguard.engine.text import TextContext

_MAKE_NAMES = frozenset({"Makefile", "makefile", "GNUmakefile"})
_F = re.IGNORECASE | re.MULTILINE
_C_SOURCES = r"\w\.(?:c|cc|cpp|cxx)\b"
_BUILDS_C = {
    "make": re.compile(
        rf"\$[({{](?:CC|CXX)[)}}]|^\s*C(?:XX)?FLAGS\s*[:+?]?=|\b(?:gcc|g\+\+|clang(?:\+\+)?)\b|{_C_SOURCES}", re.M
    ),
    "cmake": re.compile(r"^\s*add_(?:executable|library)\s*\(", _F),
    "meson": re.compile(r"^\s*project\s*\([^)]*'(?:c|cpp)'", _F),
}
_MESON_TARGET = re.compile(r"\b(?:executable|(?:shared_|static_|both_)?library)\s*\(")
_FLAGS_LINE = {
    "make": re.compile(r"^\s*(?:(?:override|export)\s+)*(?:C|CXX|CPP|LD)FLAGS\s*(?:::|[:+?!])?=", re.M),
    "cmake": re.compile(
        r"^\s*(?:set\s*\(\s*CMAKE_(?:C|CXX)_FLAGS\b|string\s*\(\s*APPEND\s+CMAKE_(?:C|CXX)_FLAGS\b|"
        r"(?:add|target)_compile_options\s*\()",
        _F,
    ),
    "meson": re.compile(r"^\s*(?:add_(?:project|global)_arguments\s*\(|project\s*\()", _F),
}
_TARGET_LINE = {
    "make": re.compile(r"\$[({](?:CC|CXX)[)}]|^\t.*\b(?:gcc|g\+\+|clang|cc)\s", re.M),
    "cmake": re.compile(r"^\s*add_(?:executable|library)\s*\(", _F),
    "meson": re.compile(r"^\s*\w*\s*=?\s*(?:executable|(?:shared_|static_|both_)?library)\s*\(", _F),
}
_STANDARD_MODULES = (
    "Check|Find|CMake|CPack|CTest|GNUInstallDirs|FetchContent|ExternalProject|FeatureSummary|GenerateExportHeader|"
    "GoogleTest|TestBigEndian|ProcessorCount|InstallRequiredSystemLibraries"
)
_INCLUDE = {
    "make": re.compile(r"^\s*-?s?include\s+\S", re.M),
    "cmake": re.compile(rf"^\s*include\s*\(\s*(?!(?:{_STANDARD_MODULES})\w*\s*\))", _F),
    "meson": re.compile(r"(?!)"),
}
_ROOT = re.compile(r"^\s*project\s*\(", _F)
_EVERYTHING = re.compile(r"dpkg-buildflags|hardening\s*=\s*\+all|-fhardened\b")
_STACK = re.compile(r"-fstack-protector-(?:strong|all)\b")
_FORTIFY = re.compile(r"_FORTIFY_SOURCE\s*=\s*(\d)")
_OPTIMISED = re.compile(
    r"(?<![\w-])-O(?:[1-3sgz]|fast)?(?!\w)|CMAKE_BUILD_TYPE\s+\"?(?:Release|RelWithDebInfo|MinSizeRel)"
    r"|buildtype\s*=\s*(?:release|debugoptimized|minsize)|optimization\s*=\s*[123s]"
)
_UNOPTIMISED = re.compile(r"(?<![\w-])-O0\b|CMAKE_BUILD_TYPE\s+\"?Debug|buildtype\s*=\s*debug\b")
_PIC = re.compile(r"-f(?:PIE|pie|PIC|pic)\b|POSITION_INDEPENDENT_CODE\s+(?:ON|TRUE|1)\b|b_pie\s*=\s*true", re.I)
_PIE_LINK = re.compile(
    r"(?<![\w-])-(?:pie|shared)\b|POSITION_INDEPENDENT_CODE\s+(?:ON|TRUE|1)\b|b_pie\s*=\s*true", re.I
)
_RELRO = re.compile(r"-z\s*,?\s*relro\b")
_NOW = re.compile(r"-z\s*,?\s*now\b")
_NOEXECSTACK = re.compile(r"-z\s*,?\s*noexecstack\b")
_GENERATED = re.compile(r"\b(?:generated\s+(?:automatically|by)|auto-?generated)\b|DO NOT EDIT", re.I)
# macOS and Windows linkers have no RELRO or exec-stack notes, and make PIE themselves.
_NOT_ELF = re.compile(r"-framework\b|\bxcrun\b|\bmingw|\.exe\b|\.dll\b|-mwindows\b|\bMSVC\b|\bWIN32\b")
_BASE_FLAGS = re.compile(
    r"^\s*(?:(?:override|export)\s+)*C(?:XX)?FLAGS\s*(?:::|[:?])?=(?!.*\$[({]C(?:XX)?FLAGS[)}])", re.M
)
_KBUILD = re.compile(r"^\s*obj-[my]\s*[:+]?=", re.M)
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$")


def dialect(path: str, language: str, text: str) -> str | None:
    """Which build language a file is written in: by name, else (configuration files only) by content."""
    name = os.path.basename(path)
    ext = os.path.splitext(name)[1].lower()
    if name in _MAKE_NAMES or ext == ".mk":
        return "make"
    if name == "CMakeLists.txt" or ext == ".cmake":
        return "cmake"
    if name == "meson.build":
        return "meson"
    if language != "config":
        return None
    if "cmake_minimum_required" in text.lower() and re.search(r"^\s*cmake_minimum_required\s*\(", text, _F):
        return "cmake"
    if "project" in text and _BUILDS_C["meson"].search(text) and _TARGET_LINE["meson"].search(text):
        return "meson"
    if "FLAGS" in text and _FLAGS_LINE["make"].search(text) and re.search(r"^\t\S", text, re.M):
        return "make"
    return None


def missing_hardening(kind: str, code: str) -> list[str]:
    """The hardening flags a build file's (comment-free) text does not set."""
    if _EVERYTHING.search(code):
        return []
    missing = [] if _STACK.search(code) else ["-fstack-protector-strong"]
    fortify = _FORTIFY.search(code)
    if fortify is None or fortify.group(1) in "01":
        missing.append(
            "-D_FORTIFY_SOURCE=2 (or 3)" if fortify is None else "-D_FORTIFY_SOURCE=2 (=1 is the weak level)"
        )
    elif not _OPTIMISED.search(code) and (kind == "make" or _UNOPTIMISED.search(code)):
        missing.append("optimisation such as -O2 (_FORTIFY_SOURCE does nothing without it)")
    if _NOT_ELF.search(code):
        return missing
    pic, pie = bool(_PIC.search(code)), bool(_PIE_LINK.search(code))
    if not (pic and pie):
        missing.append("-fPIE -pie" if not (pic or pie) else "-pie (at link time)" if pic else "-fPIE")
    relro, now = bool(_RELRO.search(code)), bool(_NOW.search(code))
    if not (relro and now):
        missing.append("-Wl,-z,relro,-z,now" if not (relro or now) else "-Wl,-z,now" if relro else "-Wl,-z,relro")
    if not _NOEXECSTACK.search(code):
        missing.append("-Wl,-z,noexecstack")
    return missing


def _line_of(pattern: re.Pattern[str], code: str) -> int | None:
    match = pattern.search(code)
    return code.count("\n", 0, match.start()) + 1 if match else None


@text_rule(
    id="C-HARDEN-001",
    title="C/C++ build without compiler hardening flags",
    cwe=693,
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    why="""An assistant's Makefile or CMakeLists.txt compiles with CFLAGS = -Wall -O2 and nothing else. Without
    stack protector canaries, _FORTIFY_SOURCE's checked string functions, a position-independent executable
    (so ASLR moves the code), full RELRO and a non-executable stack, any overflow elsewhere in the program is
    far easier to turn into code execution. Distribution packages add these flags; a hand-written build does
    not.""",
    fix="""Add CFLAGS += -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=3 -fPIE and LDFLAGS += -pie
    -Wl,-z,relro,-z,now -Wl,-z,noexecstack (CMake: add_compile_options/add_link_options or
    CMAKE_POSITION_INDEPENDENT_CODE; meson: b_pie=true and add_project_arguments/add_project_link_arguments).""",
)
def c_build_hardening(ctx: TextContext) -> Iterator[Hit]:
    kind = dialect(ctx.path, ctx.language, ctx.text)
    if kind is None or _GENERATED.search("\n".join(ctx.lines[:5])):
        return
    code = "\n".join(_COMMENT.sub("", line) if "#" in line else line for line in ctx.lines)
    if not _BUILDS_C[kind].search(code) or (kind == "make" and _KBUILD.search(code)):
        return
    if kind == "meson" and not _MESON_TARGET.search(code):
        return  # Python extension modules and the like get their flags from the host interpreter's build
    flags_line = _line_of(_FLAGS_LINE[kind], code)
    includes = _INCLUDE[kind].search(code)
    if includes and (flags_line is None or (kind == "make" and not _BASE_FLAGS.search(code))):
        return  # the (base) flags live in an included file, which is read on its own
    if kind != "make" and not _ROOT.search(code):
        return  # a subdirectory's build file inherits the top-level flags
    missing = missing_hardening(kind, code)
    if not missing:
        return
    line = flags_line or _line_of(_TARGET_LINE[kind], code) or 1
    text = ctx.lines[line - 1] if line <= len(ctx.lines) else ""
    yield Hit(
        line,
        1,
        line,
        len(text) + 1,
        f"{os.path.basename(ctx.path)} builds C/C++ without {', '.join(missing)}",
    )
