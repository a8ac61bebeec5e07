"""Imports in code: Python modules and npm packages, each with its line."""

from __future__ import annotations

import ast
import textwrap

import pytest

from slopguard.deps.imports import js_package
from slopguard.engine.imports import Imports, js_imports, python_imports, python_imports_from_text
from slopguard.engine.treesitter.grammars import parser


def js_packages(source: bytes, grammar: str = "javascript") -> Imports:
    """What the scanner and the package verifier together make of a file: (npm package, line), once each."""
    found: dict[tuple[str, int], None] = {}
    for spec, line in js_imports(source, parser(grammar).parse(source)):
        if (name := js_package(spec)) is not None:
            found[(name, line)] = None
    return sorted(found, key=lambda item: (item[1], item[0]))


PYTHON = textwrap.dedent(
    '''\
    """An assistant's script."""
    from __future__ import annotations

    import os, sys
    import os.path
    import numpy as np
    from yaml import safe_load
    from . import sibling
    from .models import User
    from ..core import thing
    from google.cloud import storage, bigquery
    from sklearn.linear_model import *

    try:
        import ujson as json
    except ImportError:
        import json

    if TYPE_CHECKING:
        from pandas import DataFrame


    def load():
        import requests_magic_helper
        importlib.import_module("cv2")
        __import__("bs4.element")
        importlib.import_module(".local", __package__)
        import_module(name)
        return requests_magic_helper
    '''
)


def test_python_imports_top_level_names_with_lines() -> None:
    assert python_imports(ast.parse(PYTHON)) == [
        ("os", 4),
        ("sys", 4),
        ("os", 5),
        ("numpy", 6),
        ("yaml", 7),
        ("google", 11),
        ("sklearn", 12),
        ("ujson", 15),
        ("json", 17),
        ("pandas", 20),
        ("requests_magic_helper", 24),
        ("cv2", 25),
        ("bs4", 26),
    ]


def test_python_imports_full_dotted_paths() -> None:
    found = python_imports(ast.parse(PYTHON), full=True)
    assert ("os.path", 5) in found
    assert ("google.cloud.storage", 11) in found and ("google.cloud.bigquery", 11) in found
    assert ("sklearn.linear_model", 12) in found
    assert ("yaml.safe_load", 7) in found
    assert ("bs4.element", 26) in found


def test_python_imports_does_not_parse() -> None:
    tree = ast.Module(body=[ast.Import(names=[ast.alias(name="flask")], lineno=3, col_offset=0)], type_ignores=[])
    assert python_imports(tree) == [("flask", 3)]


def test_snippet_that_parses() -> None:
    assert python_imports_from_text("import requests\nfrom fastapi import FastAPI\n") == [
        ("requests", 1),
        ("fastapi", 2),
    ]


def test_snippet_that_does_not_parse_falls_back_to_import_lines() -> None:
    snippet = textwrap.dedent(
        """\
        Install it first, then:
        import pandas as pd
        from flask_magic import (
            Magic,
        )
        >>> import numpy
        from . import local
        result = pd.read_csv(   # the answer was cut here
        """
    )
    assert python_imports_from_text(snippet) == [("pandas", 2), ("flask_magic", 3), ("numpy", 6)]


JAVASCRIPT = b"""\
import express from "express";
import { readFile } from "fs/promises";
import path from "node:path";
import "./styles.css";
import * as lodash from 'lodash/fp';
export { default as Button } from "@acme/ui/button";
export * from "../shared";
const axios = require("axios");
const local = require("./local");
const dyn = require(`${name}`);
const tmpl = require(`chalk`);
const https = require("https");
async function later() {
  const { z } = await import("zod");
  await import(moduleName);
  return import("https://cdn.example/lib.js");
}
import alias from "@/components/alias";
import svelte from "$lib/thing";
import internal from "#internal/thing";
require("punycode");
"""


def test_js_imports() -> None:
    assert js_packages(JAVASCRIPT) == [
        ("express", 1),
        ("lodash", 5),
        ("@acme/ui", 6),
        ("axios", 8),
        ("chalk", 11),
        ("zod", 14),
    ]


TYPESCRIPT = b"""\
import type { Request } from "express-serve-static-core";
import fs = require("fs-extra");
import {
  Injectable,
} from "@nestjs/common";
type Cfg = import("vite").UserConfig;
export type { Thing } from "thing-types";
declare module "augmented" {}
const db = await import(`@prisma/client`);
"""


def test_ts_imports() -> None:
    assert js_packages(TYPESCRIPT, "typescript") == [
        ("express-serve-static-core", 1),
        ("fs-extra", 2),
        ("@nestjs/common", 3),
        ("vite", 6),
        ("thing-types", 7),
        ("@prisma/client", 9),
    ]


TSX = b"""\
import React, { useState } from "react";
import clsx from "clsx";
import type { FC } from "react";

export const App: FC = () => {
  const [open] = useState<boolean>(false);
  const Lazy = React.lazy(() => import("react-markdown"));
  return <div className={clsx("a")}>{open && <Lazy />}</div>;
};
"""


def test_tsx_imports() -> None:
    assert js_packages(TSX, "tsx") == [("react", 1), ("clsx", 2), ("react", 3), ("react-markdown", 7)]


def test_broken_js_still_yields_what_parses() -> None:
    assert ("left-pad", 1) in js_packages(b'import leftPad from "left-pad";\nfunction (((\n')


@pytest.mark.parametrize(
    ("specifier", "package"),
    [
        ("react", "react"),
        ("react-dom/client", "react-dom"),
        ("@scope/pkg", "@scope/pkg"),
        ("@scope/pkg/deep/path.js", "@scope/pkg"),
        ("npm:express@4", "express"),
        ("npm:@scope/pkg@^1/sub", "@scope/pkg"),
        ("lodash.merge", "lodash.merge"),
        ("./x", None),
        ("../x", None),
        ("/abs/x", None),
        ("node:fs", None),
        ("fs", None),
        ("child_process", None),
        ("stream/web", None),
        ("https://cdn.example/x.js", None),
        ("data:text/javascript,1", None),
        ("#internal", None),
        ("@/alias", None),
        ("~/alias", None),
        ("$lib/x", None),
        ("@scope", None),
        ("", None),
    ],
)
def test_js_package(specifier: str, package: str | None) -> None:
    assert js_package(specifier) == package
