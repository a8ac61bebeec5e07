"""``scan -`` reads an assistant's whole answer: every fenced block in its own language, lines counted in the answer.

Also the language table's fence names, the one Markdown reader shared with the LLM workflows, and ``--lang`` /
``--stdin-filename`` for code without a label.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slopguard.cli import cli
from slopguard.core.snippets import code_blocks, fenced_blocks
from slopguard.engine.detect import block_language, guess_language
from slopguard.engine.languages import fence_language
from slopguard.llm.extract import extract_code

ANSWER = """\
Here is the service in several languages.

```python
import subprocess
from flask import request


def ping():
    host = request.args["host"]
    subprocess.run(f"ping -c 1 {host}", shell=True)
```

The Express version:

```js
const express = require("express");
const app = express();
app.get("/calc", (req, res) => {
  res.send(String(eval(req.query.code)));
});
```

In TypeScript:

```ts
import jwt from "jsonwebtoken";
export function user(token: string) {
  const payload = jwt.decode(token) as { sub: string };
  return payload.sub;
}
```

Java:

```java
import javax.servlet.http.*;
public class Ping extends HttpServlet {
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws java.io.IOException {
        String host = req.getParameter("host");
        Process p = Runtime.getRuntime().exec("ping -c 4 " + host);
    }
}
```

Go:

```golang
package main

import (
	"net/http"
	"os/exec"
)

func ping(w http.ResponseWriter, r *http.Request) {
	host := r.URL.Query().Get("host")
	out, _ := exec.Command("sh", "-c", "ping -c 1 "+host).CombinedOutput()
	w.Write(out)
}
```

Rust:

```rs
use std::process::Command;
use actix_web::{web, HttpResponse};

pub async fn thumb(q: web::Query<Convert>) -> HttpResponse {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("convert {} /tmp/t.png", q.file))
        .output()
        .unwrap();
    HttpResponse::Ok().body(out.stdout)
}
```

C:

```c
#include <stdio.h>
int main(void) {
    char name[32];
    gets(name);
    printf("%s\\n", name);
    return 0;
}
```

Configure the credentials:

```bash
export AWS_ACCESS_KEY_ID=AKIAL3KXGIP7TVMQWOWM
pip install flask
```
"""


def scan_stdin(text: str, *args: str, cwd: Path) -> tuple[int, list[dict[str, object]]]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        argv = ["scan", "-", "--format", "json", "--no-deps", "--no-cache", *args]
        res = CliRunner().invoke(cli, argv, input=text, catch_exceptions=False)
    finally:
        os.chdir(old)
    assert res.exit_code in (0, 1, 3), res.output  # 3: part of the input could not be analysed
    return res.exit_code, json.loads(res.stdout)["findings"]


def flagged(findings: list[dict[str, object]]) -> set[tuple[int, str]]:
    return {(f["location"]["start_line"], f["rule_id"]) for f in findings}  # type: ignore[index]


def line_of(text: str, needle: str) -> int:
    (number,) = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return number


@pytest.mark.parametrize(
    ("rule_id", "needle"),
    [
        ("PY-CMDI-001", 'subprocess.run(f"ping'),
        ("JS-EVAL-001", "eval(req.query.code)"),
        ("JS-JWT-001", "jwt.decode(token)"),
        ("JAVA-CMDI-001", "Runtime.getRuntime().exec"),
        ("GO-CMDI-001", "exec.Command"),
        ("RUST-CMDI-001", 'Command::new("sh")'),
        ("C-BUF-001", "gets(name)"),
        ("SEC-TOKEN-001", "AWS_ACCESS_KEY_ID"),
    ],
)
def test_every_block_is_scanned_in_its_own_language(tmp_path: Path, rule_id: str, needle: str) -> None:
    code, findings = scan_stdin(ANSWER, cwd=tmp_path)
    assert code == 1
    assert (line_of(ANSWER, needle), rule_id) in flagged(findings)


def test_each_finding_lies_inside_a_block_of_its_language(tmp_path: Path) -> None:
    _, findings = scan_stdin(ANSWER, cwd=tmp_path)
    prefixes = {
        "python": "PY-",
        "javascript": "JS-",
        "typescript": "JS-",
        "java": "JAVA-",
        "go": "GO-",
        "rust": "RUST-",
    }
    for line, rule in flagged(findings):
        (block,) = [b for b in fenced_blocks(ANSWER) if b.first_line <= line < b.first_line + len(b.code.splitlines())]
        language = block_language(block.label, None, block.code)
        assert rule.startswith(prefixes.get(language, "")) or rule.startswith("SEC-"), (line, rule, language)


def test_stdin_filename_names_the_language_of_a_piped_file(tmp_path: Path) -> None:
    code = "const express = require('express');\napp.get('/', (req, res) => res.send(eval(req.query.x)));\n"
    _, as_js = scan_stdin(code, "--stdin-filename", "web/app.js", cwd=tmp_path)
    assert (2, "JS-EVAL-001") in flagged(as_js) and as_js[0]["location"]["path"] == "web/app.js"  # type: ignore[index]
    code_as_python, as_python = scan_stdin(code, "--lang", "python", cwd=tmp_path)
    assert not any(str(rule).startswith("JS-") for _, rule in flagged(as_python))
    assert code_as_python == 3, "JavaScript read as Python cannot be fully analysed: the scan is incomplete"


def test_a_piped_code_file_is_scanned_whole_even_with_a_fence_in_a_docstring(tmp_path: Path) -> None:
    source = (
        'import subprocess\n\n\ndef run(cmd):\n    """Run it, e.g.\n\n    ```python\n    run("ls")\n    ```\n    """\n'
        "    return eval(cmd)\n"
    )
    _, findings = scan_stdin(source, "--stdin-filename", "tool.py", cwd=tmp_path)
    assert (11, "PY-EVAL-001") in flagged(findings)


def test_unlabelled_blocks_take_lang_or_are_detected(tmp_path: Path) -> None:
    js = "const vm = 1;\nfunction run(req) {\n  return eval(req.query.code);\n}\n"
    answer = f"Try this:\n\n```\n{js}```\n"
    _, detected = scan_stdin(answer, cwd=tmp_path)
    assert (6, "JS-EVAL-001") in flagged(detected)
    _, told = scan_stdin(answer, "--lang", "typescript", cwd=tmp_path)
    assert (6, "JS-EVAL-001") in flagged(told)
    _, unfenced = scan_stdin(js, cwd=tmp_path)
    assert (3, "JS-EVAL-001") in flagged(unfenced)


def test_secrets_are_found_in_blocks_of_any_label(tmp_path: Path) -> None:
    answer = "Output:\n\n```diff\n+ aws_key = AKIAL3KXGIP7TVMQWOWM\n```\n\n```\njust some words here\nAKIAL3KXGIP7TVMQWOWM\n```\n"
    _, findings = scan_stdin(answer, cwd=tmp_path)
    assert {(4, "SEC-TOKEN-001"), (9, "SEC-TOKEN-001")} <= flagged(findings)


@pytest.mark.parametrize(
    ("label", "language"),
    [
        ("py", "python"), ("Python3", "python"), ("js", "javascript"), ("nodejs", "javascript"),
        ("ts", "typescript"), ("tsx", "typescript"), ("golang", "go"), ("rs", "rust"), ("c++", "cpp"),
        ("sh", "shell"), ("powershell", "shell"), ("yaml", "config"), ("json", "config"), ("dotenv", "config"),
        ("dockerfile", "config"), ("markdown", "docs"),
    ],
)  # fmt: skip
def test_fence_names_come_from_the_language_table(label: str, language: str) -> None:
    assert fence_language(label) == language


def test_block_language_reads_labels_and_file_names() -> None:
    assert block_language("app.py", None, "") == "python"
    assert block_language("sql", None, "SELECT 1") == guess_language("no code at all here")  # text
    assert guess_language("x = compute(1)\n") == "python"
    assert guess_language("const x = () => 1;\n") == "javascript"
    assert guess_language("pip install flask\n") not in ("python", "javascript")


def test_markdown_reader_finds_fences_everywhere() -> None:
    answer = (
        "1. Install:\n\n   ```bash\n   pip install flask\n   ```\n\n"
        "> ```{.python}\n> x = 1\n> ```\n\n"
        "~~~~js title=app.js\nlet a = '```';\n~~~~\n"
    )
    blocks = fenced_blocks(answer)
    assert [(b.label, b.first_line, b.code) for b in blocks] == [
        ("bash", 4, "pip install flask\n"),
        ("python", 8, "x = 1\n"),
        ("js", 12, "let a = '```';\n"),
    ]
    assert [b.code for b in code_blocks(answer, {"bash"})] == ["pip install flask\n"]
    assert code_blocks("print(1)\n", {"python"})[0].code == "print(1)\n"


def test_llm_extraction_uses_the_same_reader() -> None:
    answer = "1. Create `app.py`:\n\n   ```python\n   import os\n   ```\n2. Then run:\n\n   ```sh\n   pip install x\n   ```\n"
    extracted = extract_code(answer, "python")
    assert [(f.name, f.language, f.code) for f in extracted.files] == [("app.py", "python", "import os\n")]
    assert extracted.shell == ["pip install x\n"]


def test_allow_skipped_covers_an_answer_read_from_stdin(tmp_path: Path) -> None:
    code = "const express = require('express');\napp.get('/', (req, res) => res.send(eval(req.query.x)));\n"
    assert scan_stdin(code, "--lang", "python", cwd=tmp_path)[0] == 3
    assert scan_stdin(code, "--lang", "python", "--allow-skipped", cwd=tmp_path)[0] == 0
