"""The comment lexer finds exactly the comments that :mod:`tokenize` finds, on the lines tokenize reports."""

from __future__ import annotations

import io
import tokenize

import pytest

from slopguard.engine.python.context import python_comments

CASES = {
    "plain": "x = 1  # set x\n# alone\n",
    "hash in strings": "a = '#not'\nb = \"# nor\"  # but this\nc = f'{a}#x'  # and this\n",
    "triple quotes": 'doc = """\n# inside\n\'\'\' still "inside" \n"""  # after\n',
    "single-quoted triple": "s = '''it's # in\n'''\n# out\n",
    "escaped quotes": 's = \'it\\\'s # in\'  # out\nt = "\\"# in\\""  # out2\n',
    "backslash newline in a string": "s = 'one \\\n# still in'  # out\n",
    "raw string": "r = r'\\d+#'  # pattern\n",
    "bytes and prefixes": "b = rb'#' + Rb\"#\" + u'#'  # prefixes\n",
    "windows line ends": "a = 1  # one\r\nb = '#'\r\n# three\r\n",
    "empty comment": "x = [\n    1,  #\n]\n",
    "trailing spaces kept": "x = 1  # note   \n",
    "no newline at end": "x = 1  # last",
    "string then comment on a continued line": "x = ('a'  # first\n     'b')  # second\n",
}


def _tokenize(text: str) -> dict[int, str]:
    return {
        tok.start[0]: tok.string
        for tok in tokenize.generate_tokens(io.StringIO(text).readline)
        if tok.type == tokenize.COMMENT
    }


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_same_comments_as_tokenize(text: str) -> None:
    assert python_comments(text) == _tokenize(text)


def test_unterminated_string_ends_at_the_line() -> None:
    assert python_comments("s = 'open\n# comment\n") == {2: "# comment"}
