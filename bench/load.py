"""The load driver: wrk (Debian's package) at a fixed concurrency, its report parsed.

wrk is a small C client on one thread (epoll), so it takes little of the two cores the servers
share with it; an HTTP client in Python would take a whole core at these rates. It keeps `-c`
connections busy back to back (closed loop) and reports latency percentiles from every request.
"""

import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

UNITS_IN_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class LoadResult:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int

    @property
    def errors(self):
        return self.non_2xx_3xx + self.socket_errors

    def as_dict(self):
        return asdict(self) | {"errors": self.errors}


def wrk_path():
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return path


def only_loopback(url):
    host = urlsplit(url).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise ValueError(f"load only ever targets this machine, not {host!r}")


def run_wrk(url, connections, seconds):
    """Load `url` with `connections` concurrent connections for `seconds`; parse the result."""
    only_loopback(url)
    completed = subprocess.run(
        [
            wrk_path(),
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return parse_wrk(completed.stdout)


def _duration_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * UNITS_IN_MS[match[2]]


def parse_wrk(output):
    """The figures of one wrk report (run with --latency)."""
    requests = int(re.search(r"^\s*(\d+) requests in ", output, re.M)[1])
    rate = float(re.search(r"^Requests/sec:\s*([\d.]+)", output, re.M)[1])
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)", output, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return LoadResult(
        requests=requests,
        requests_per_second=rate,
        # With no request completed in time wrk prints a distribution of zeros: no latency.
        p50_ms=_duration_ms(percentiles["50"]) if requests else float("nan"),
        p99_ms=_duration_ms(percentiles["99"]) if requests else float("nan"),
        non_2xx_3xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )
