"""The benchmark compares like with like: the Datasette export declares its full-text table the
way Datasette 0.65 finds it, and a search page whose rows do not hold the words is refused
before it is timed (bench/verify.py)."""

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from bench import datasette_export, verify

# The two patterns datasette.utils.detect_fts_sql (0.65.5) looks for in sqlite_master.
DATASETTE_PATTERNS = ['%VIRTUAL TABLE%USING FTS%content="messages"%',
                      "%VIRTUAL TABLE%USING FTS%content=[messages]%"]  # fmt: skip


def test_the_export_declares_its_full_text_table_as_datasette_finds_it(tmp_path):
    connection = sqlite3.connect(tmp_path / "export.db")
    connection.executescript(datasette_export.SCHEMA)
    connection.executescript(datasette_export.FULL_TEXT)
    found = [
        connection.execute(
            "SELECT name FROM sqlite_master WHERE rootpage = 0 AND sql LIKE ?", (pattern,)
        ).fetchall()
        for pattern in DATASETTE_PATTERNS
    ]
    assert [("messages_fts",)] in found


@pytest.fixture
def rows_server():
    served = {"rows": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"rows": served["rows"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", served
    server.shutdown()


def test_a_datasette_search_that_ignored_its_words_is_refused(rows_server):
    base_url, served = rows_server
    # (bench.pages.Page needs Datasette installed, which only `make bench` does)
    page = SimpleNamespace(key="search_rare", datasette="/db/messages?_search=harbour",
                           words=("harbour",), missing=None)  # fmt: skip
    served["rows"] = [{"id": 1, "text": "The harbour at dawn.", "summary": ""}]
    assert verify.problems_of("datasette", base_url, page, page.datasette) == []
    served["rows"] = [{"id": 1, "text": "The harbour.", "summary": ""},
                      {"id": 2, "text": "Unrelated words.", "summary": "none"}]  # fmt: skip
    [problem] = verify.problems_of("datasette", base_url, page, page.datasette)
    assert "search ignored" in problem and "[2]" in problem
    served["rows"] = []
    assert "found no rows" in verify.problems_of("datasette", base_url, page, page.datasette)[0]
    with pytest.raises(SystemExit, match="do not show what they claim"):
        verify.check("datasette", base_url, [page], lambda p: p.datasette)
