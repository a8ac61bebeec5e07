"""The one table of languages: everything slopguard knows about a kind of file, in one place.

Each :class:`Language` says which files are of that kind (extensions, file names), how they are parsed (the Python
engine, tree-sitter grammars, or text only), how taint is spelled in them, how they comment, how they import
packages, and which Markdown fence names mark them in an assistant's answer. Discovery, the analyser, the taint
engine, provenance markers, snippet extraction and the CLI all dispatch through this table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from slopguard.engine.imports import js_imports, python_imports
from slopguard.engine.treesitter.spec import GO, JAVA, JAVASCRIPT, RUST, C, LanguageSpec

# (source bytes, the parsed tree the analyser already has, grammar name) -> (module specifier, line)
ImportExtractor = Callable[[bytes, Any, str], list[tuple[str, int]]]
Analyser = Literal["python", "tree-sitter", "text", "notebook", "none"]


@dataclass(frozen=True, slots=True)
class CommentStyle:
    """One comment syntax: a line comment (no ``close``) or a block comment closed on the same line."""

    open: str
    close: str = ""


HASH, SLASH, BLOCK, HTML, SQL = (
    CommentStyle("#"), CommentStyle("//"), CommentStyle("/*", "*/"), CommentStyle("<!--", "-->"), CommentStyle("--"),
)  # fmt: skip
JINJA, EJS, HANDLEBARS, PUG, JSP, GO_TEMPLATE = (
    CommentStyle("{#", "#}"), CommentStyle("<%#", "%>"), CommentStyle("{{!--", "--}}"), CommentStyle("//-"),
    CommentStyle("<%--", "--%>"), CommentStyle("{{/*", "*/}}"),
)  # fmt: skip
ALL_COMMENT_STYLES = (HASH, SLASH, BLOCK, HTML, SQL, JINJA, EJS, HANDLEBARS, PUG, JSP, GO_TEMPLATE)
_C_COMMENTS = (SLASH, BLOCK)


@dataclass(frozen=True, slots=True)
class Grammar:
    """A tree-sitter grammar from its prebuilt wheel: ``module.function()`` returns the language pointer.
    ``extensions`` pick this grammar over the language's first one (TSX files)."""

    name: str
    module: str
    function: str = "language"
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Language:
    """One kind of file. ``name`` is what rules, findings and ``--lang`` call it; several entries may share a name
    when their files are analysed alike but differ in comment syntax (configuration formats)."""

    name: str
    extensions: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    analyser: Analyser = "text"
    grammars: tuple[Grammar, ...] = ()
    taint: LanguageSpec | None = None
    comments: tuple[CommentStyle, ...] = ()  # the first is the one ``mark`` writes; all are read
    fences: tuple[str, ...] = ()  # Markdown info strings that mark a block of this language
    imports: ImportExtractor | None = None
    scripts: bool = False  # markup whose <script> elements are analysed as JavaScript/TypeScript

    @property
    def scanned(self) -> bool:
        return self.analyser != "none"

    def grammar_for(self, path: str) -> Grammar:
        """The grammar a file of this language is parsed with (TSX files need the TSX grammar)."""
        suffix = os.path.splitext(path)[1].lower()
        return next((g for g in self.grammars if suffix in g.extensions), self.grammars[0])


def _python_imports(source: bytes, tree: Any, grammar: str) -> list[tuple[str, int]]:
    return python_imports(tree, full=True, source=source)


def _js_imports(source: bytes, tree: Any, grammar: str) -> list[tuple[str, int]]:
    return js_imports(source, tree)


_TS = "tree_sitter_typescript"
LANGUAGES: tuple[Language, ...] = (
    Language("python", (".py", ".pyw"), analyser="python", comments=(HASH,), imports=_python_imports,
             grammars=(Grammar("python", "tree_sitter_python"),),  # for code the host `ast` cannot read
             fences=("python", "py", "python3", "py3", "pycon")),
    # Jupyter notebooks: their code cells are analysed as Python (engine/notebook.py).
    Language("notebook", (".ipynb",), analyser="notebook"),
    Language("javascript", (".js", ".mjs", ".cjs", ".jsx"), analyser="tree-sitter", taint=JAVASCRIPT,
             grammars=(Grammar("javascript", "tree_sitter_javascript"),), comments=_C_COMMENTS, imports=_js_imports,
             fences=("javascript", "js", "jsx", "node", "nodejs", "mjs", "cjs", "es6", "javascriptreact")),
    Language("typescript", (".ts", ".tsx"), analyser="tree-sitter", taint=JAVASCRIPT,
             grammars=(Grammar("typescript", _TS, "language_typescript"),
                       Grammar("tsx", _TS, "language_tsx", (".tsx",))),
             comments=_C_COMMENTS, imports=_js_imports,
             fences=("typescript", "ts", "tsx", "mts", "cts", "typescriptreact")),
    Language("java", (".java",), analyser="tree-sitter", taint=JAVA, grammars=(Grammar("java", "tree_sitter_java"),),
             comments=_C_COMMENTS, fences=("java",)),
    Language("c", (".c", ".h"), analyser="tree-sitter", taint=C, grammars=(Grammar("c", "tree_sitter_c"),),
             comments=_C_COMMENTS, fences=("c", "h")),
    Language("cpp", (".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx"), analyser="tree-sitter", taint=C,
             grammars=(Grammar("cpp", "tree_sitter_cpp"),), comments=_C_COMMENTS,
             fences=("cpp", "c++", "cc", "cxx", "hpp", "hh", "hxx", "cplusplus")),
    Language("rust", (".rs",), analyser="tree-sitter", taint=RUST, grammars=(Grammar("rust", "tree_sitter_rust"),),
             comments=_C_COMMENTS, fences=("rust", "rs")),
    Language("go", (".go",), analyser="tree-sitter", taint=GO, grammars=(Grammar("go", "tree_sitter_go"),),
             comments=_C_COMMENTS, fences=("go", "golang")),
    # Read for secrets and markers only (no parser yet).
    Language("ruby", (".rb",), comments=(HASH,), fences=("ruby", "rb")),
    Language("php", (".php",), comments=(SLASH, HASH, BLOCK), fences=("php",)),
    Language("csharp", (".cs",), comments=_C_COMMENTS, fences=("csharp", "cs", "c#")),
    Language("kotlin", (".kt",), comments=_C_COMMENTS, fences=("kotlin", "kt")),
    Language("shell", (".sh", ".bash"), comments=(HASH,),
             fences=("bash", "sh", "shell", "console", "zsh", "terminal", "shellsession", "shell-session", "fish",
                     "powershell", "pwsh", "ps1", "bat", "batch", "cmd")),
    Language("config", (".yaml", ".yml", ".toml", ".cfg", ".conf", ".tf", ".tfvars", ".env", ".properties"),
             ("Dockerfile", "Makefile", "poetry.lock", "uv.lock", "pdm.lock", "yarn.lock"), comments=(HASH,),
             fences=("env", "dotenv", "ini", "toml", "yaml", "yml", "cfg", "conf", "properties", "tf", "hcl",
                     "terraform", "dockerfile", "docker", "makefile", "make")),
    Language("config", (".ini", ".json", ".txt", ".mk", ".cmake"), (".npmrc", ".pypirc", "Pipfile.lock"),
             fences=("json", "jsonc", "json5", "npmrc", "pypirc")),
    Language("config", (".xml",), comments=(HTML,), fences=("xml",)),
    Language("docs", (".md",), comments=(HTML,), fences=("markdown", "md", "text", "txt", "plaintext")),
    # Templates and markup: read by the template rules (output that skips escaping) and for secrets.
    Language("html", (".html", ".htm", ".xhtml"), comments=(HTML,), fences=("html", "htm", "xhtml"), scripts=True),
    Language("jinja", (".j2", ".jinja", ".jinja2", ".njk", ".nunjucks", ".twig", ".liquid", ".djhtml"),
             comments=(JINJA, HTML), fences=("jinja", "jinja2", "j2", "django", "htmldjango", "html+django",
                                             "html+jinja", "nunjucks", "njk", "twig", "liquid"), scripts=True),
    Language("ejs", (".ejs",), comments=(HTML, EJS), fences=("ejs",), scripts=True),
    Language("handlebars", (".hbs", ".handlebars", ".mustache"), comments=(HANDLEBARS, HTML),
             fences=("handlebars", "hbs", "mustache"), scripts=True),
    Language("pug", (".pug", ".jade"), comments=(PUG,), fences=("pug", "jade")),
    Language("jsp", (".jsp", ".jspx", ".jspf", ".tag"), comments=(JSP, HTML), fences=("jsp",), scripts=True),
    Language("gotemplate", (".tmpl", ".gohtml", ".gotmpl"), comments=(GO_TEMPLATE, HTML),
             fences=("gotemplate", "go-html-template", "gohtml", "go-template"), scripts=True),
    Language("vue", (".vue",), comments=(HTML,), fences=("vue",), scripts=True),
    Language("svelte", (".svelte",), comments=(HTML,), fences=("svelte",), scripts=True),
    # Not scanned; known so that provenance markers can be written in their comment syntax.
    Language("python-stub", (".pyi",), analyser="none", comments=(HASH,)),
    Language("hash-comment", (".zsh", ".r", ".pl", ".ps1"),
             ("Containerfile", "Gemfile", "Rakefile", "Procfile", ".gitignore"), analyser="none", comments=(HASH,)),
    Language("c-comment", (".kts", ".swift", ".scala", ".dart", ".scss", ".less"), analyser="none",
             comments=_C_COMMENTS),
    Language("css", (".css",), analyser="none", comments=(BLOCK,)),
    Language("markup", (".svg", ".markdown"), analyser="none", comments=(HTML,)),
    Language("sql", (".sql", ".lua", ".hs"), analyser="none", comments=(SQL, BLOCK)),
)  # fmt: skip

_BY_EXTENSION = {ext: lang for lang in reversed(LANGUAGES) for ext in lang.extensions}
_BY_FILENAME = {name: lang for lang in reversed(LANGUAGES) for name in lang.filenames}
_BY_NAME = {lang.name: lang for lang in reversed(LANGUAGES)}
_BY_FENCE = {fence: lang for lang in reversed(LANGUAGES) for fence in lang.fences}
_DOTENV = _BY_EXTENSION[".env"]


def language_entry(path: str | os.PathLike[str]) -> Language | None:
    """The table entry for a file, scanned or not, from its name."""
    name = os.path.basename(path)
    if name in _BY_FILENAME:
        return _BY_FILENAME[name]
    if name.startswith(".env"):
        return _DOTENV
    return _BY_EXTENSION.get(os.path.splitext(name)[1].lower())


def language_of(path: str | os.PathLike[str]) -> str | None:
    """The language a file is scanned as, or None for files slopguard does not read."""
    entry = language_entry(path)
    return entry.name if entry is not None and entry.scanned else None


def language(name: str) -> Language:
    """The entry for a language name (KeyError for an unknown one)."""
    return _BY_NAME[name]


def fence_language(info: str) -> str | None:
    """The language a Markdown fence's first info word names (``py``, ``golang``, ``c++``), or None."""
    entry = _BY_FENCE.get(info.strip().lower())
    return entry.name if entry is not None else None


def fence_names(name: str) -> frozenset[str]:
    """Every fence info string that marks a block of the language ``name``."""
    return frozenset(f for lang in LANGUAGES if lang.name == name for f in lang.fences) or frozenset({name})


def scanned_languages() -> tuple[str, ...]:
    """Names of every language a scan reads, in table order."""
    return tuple(dict.fromkeys(lang.name for lang in LANGUAGES if lang.scanned))


def extensions_of(names: set[str] | frozenset[str]) -> list[str]:
    """Every extension of the named languages."""
    return [ext for lang in LANGUAGES if lang.name in names for ext in lang.extensions]


@cache
def grammar_named(name: str) -> Grammar:
    """A tree-sitter grammar by its name (``tsx``, ``cpp``)."""
    return next(g for lang in LANGUAGES for g in lang.grammars if g.name == name)


def taint_spec(grammar: str) -> LanguageSpec:
    """How taint is spelled in the language a grammar parses."""
    spec = next(lang.taint for lang in LANGUAGES if any(g.name == grammar for g in lang.grammars))
    if spec is None:
        raise KeyError(grammar)
    return spec
