"""JAVA-XXE-001 by what the factory's products do in the file: a DocumentBuilder that only makes empty documents
and a Transformer that serialises an in-memory DOM read no outside XML; the same factories next to a parse, a
stylesheet from a stream, or a method that hands the parser out are reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import score_file

SERIALISER = b"""\
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;

class DomWriter {
    private final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // ok: JAVA-XXE-001

    Document empty() throws Exception {
        return factory.newDocumentBuilder().newDocument();
    }

    String write(Document doc) throws Exception {
        Transformer out = TransformerFactory.newInstance().newTransformer(); // ok: JAVA-XXE-001
        java.io.StringWriter w = new java.io.StringWriter();
        out.transform(new DOMSource(doc), new StreamResult(w));
        return w.toString();
    }
}
"""

READERS = b"""\
import java.io.InputStream;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.stream.StreamSource;
import org.w3c.dom.Document;

class Imports {
    private final DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance(); // expect: JAVA-XXE-001

    Document read(InputStream upload) throws Exception {
        return factory.newDocumentBuilder().parse(upload);
    }

    Transformer styled(InputStream xsl) throws Exception {
        return TransformerFactory.newInstance().newTransformer(new StreamSource(xsl)); // expect: JAVA-XXE-001
    }
}
"""

HANDED_OUT = b"""\
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

final class Xml {
    static DocumentBuilder builder() throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder(); // expect: JAVA-XXE-001
    }
}
"""


@pytest.mark.parametrize(
    ("name", "source"), [("DomWriter.java", SERIALISER), ("Imports.java", READERS), ("Xml.java", HANDED_OUT)]
)
def test_labelled_snippet(tmp_path: Path, name: str, source: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(source)
    score = score_file(path, path.name, frozenset({"JAVA-XXE-001"}))
    assert score.skipped is None
    assert score.labels.lines("JAVA-XXE-001") != (set(), set())
    assert not score.misses, f"missed {sorted(score.misses)}"
    assert not score.false_alarms, f"false alarms {sorted(score.false_alarms)}"
