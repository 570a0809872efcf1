"""What the tests share: builders, sign-in helpers, the real-archive loader, the query-count table,
the gunicorn harness. Test modules import from here; nothing here is collected as a test."""

from pathlib import Path

# The checkout and the test data folder, named once so a test module can move between folders.
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
