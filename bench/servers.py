"""Start, probe and stop the two servers under test, one at a time, on 127.0.0.1 only."""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
BACKCHANNEL_PORT = int(os.environ.get("BENCH_BACKCHANNEL_PORT", "8131"))
DATASETTE_PORT = int(os.environ.get("BENCH_DATASETTE_PORT", "8132"))
BACKCHANNEL_WORKERS = 2
# Datasette settings that differ from its defaults, passed as --setting NAME VALUE. Datasette's
# documentation suggests turning facet suggestions off for large tables; that makes its pages
# faster (so it only makes Backchannel's ratios harder to reach).
DATASETTE_SETTINGS = {"suggest_facets": "off"}


def production_environment(database_url):
    """Backchannel as deployed: DEBUG off, a secret key, this host only, plain-HTTP cookies."""
    return os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_ALLOW_PLAIN_HTTP": "1",
        "DJANGO_LOG_LEVEL": "ERROR",
    }


# A page that does not answer one request within this is reported as failed, not measured.
PAGE_TIMEOUT_SECONDS = 60


def fetch_status(url, timeout=PAGE_TIMEOUT_SECONDS):
    """The status of one GET (redirects not followed), or None if nothing answered."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, 0
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, 0


def resident_mb(pid):
    """VmRSS of one process in MB (None once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU time of one process (all its threads) so far, or 0 once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    # Fields 14 and 15 of stat (utime, stime), counted after the ")" that closes the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pids(pid):
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children.extend(int(child) for child in task.read_text().split())
    return children


class Server:
    """One server process started by the benchmark; `with` stops it again."""

    name = ""
    port = 0

    def __init__(self, log_path):
        self.log_path = log_path
        self.process = None

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def command(self):
        raise NotImplementedError

    def environment(self):
        return os.environ.copy()

    def ready_path(self):
        return "/"

    def worker_pids(self):
        """The processes that serve requests (whose memory is reported)."""
        return [self.process.pid]

    def wait_until_idle(self, quiet_seconds=0.3, timeout=120.0):
        """Wait until the server has finished what a load left in flight.

        wrk stops at its deadline with requests still queued at the server; the next
        measurement must not start behind them. Idle: no CPU used for `quiet_seconds`.
        """
        deadline = time.monotonic() + timeout
        pids = [self.process.pid, *self.worker_pids()]
        used = sum(cpu_seconds(pid) for pid in pids)
        while time.monotonic() < deadline:
            time.sleep(quiet_seconds)
            now = sum(cpu_seconds(pid) for pid in pids)
            if now - used < 0.02:
                return
            used = now

    def max_worker_rss_mb(self):
        sizes = [resident_mb(pid) for pid in self.worker_pids()]
        sizes = [size for size in sizes if size is not None]
        return round(max(sizes), 1) if sizes else None

    def __enter__(self):
        status, _ = fetch_status(self.base_url + self.ready_path(), timeout=1)
        if status is not None:
            raise SystemExit(f"port {self.port} is already serving; stop that server first")
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            self.command(),
            cwd=ROOT,
            env=self.environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited at start; see {self.log_path}")
            status, _ = fetch_status(self.base_url + self.ready_path(), timeout=5)
            if status == 200:
                return self
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise SystemExit(f"{self.name} did not answer within 120 s; see {self.log_path}")

    def __exit__(self, *exc_info):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class BackchannelServer(Server):
    name = "Backchannel"
    port = BACKCHANNEL_PORT

    def __init__(self, log_path, database_url):
        super().__init__(log_path)
        self.database_url = database_url

    def command(self):
        return [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(BACKCHANNEL_WORKERS),
        ]

    def environment(self):
        return production_environment(self.database_url)

    def ready_path(self):
        return "/robots.txt"

    def worker_pids(self):
        return child_pids(self.process.pid)


class DatasetteServer(Server):
    name = "Datasette"
    port = DATASETTE_PORT

    def __init__(self, log_path, database_path, inspect_path):
        super().__init__(log_path)
        self.database_path = database_path
        self.inspect_path = inspect_path

    def command(self):
        # Immutable (-i) with an inspect file is how `datasette publish` serves a read-only
        # database: table counts are read from the file, not counted per request.
        command = [
            str(BIN / "datasette"),
            "serve",
            "-i",
            str(self.database_path),
            "--inspect-file",
            str(self.inspect_path),
            "--host",
            HOST,
            "--port",
            str(self.port),
        ]
        for name, value in DATASETTE_SETTINGS.items():
            command += ["--setting", name, value]
        return command

    def ready_path(self):
        return "/-/versions.json"
