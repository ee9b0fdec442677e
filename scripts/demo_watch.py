"""Run `plannlp watch` twice against the test portal of tests/test_acquire_watch.py (a local server) and
print both reports: the figures shown in the README's "Watching portals" section."""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pytest_httpserver import HTTPServer  # noqa: E402
from test_acquire_watch import Portal, sources_file  # noqa: E402

from plannlp.cli import main  # noqa: E402

srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
srv.start()
try:
    portal = Portal(srv)
    with tempfile.TemporaryDirectory() as tmp:
        sources = sources_file(Path(tmp), portal)
        for run in (1, 2):
            print(f"$ plannlp watch SOURCES.yaml --out watch/   # run {run}")
            sys.argv = ["plannlp", "watch", str(sources), "--out", str(Path(tmp) / "watch"), "--jobs", "1"]
            try:
                main()
            except SystemExit:
                pass
finally:
    srv.stop()
