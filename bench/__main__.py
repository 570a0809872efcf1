"""Backchannel against Datasette on the same rows, and Backchannel on PostgreSQL: `make bench`.

    .venv/bin/python -m bench

Settings from the environment (defaults in brackets):
    BENCH_SIZES        archive sizes in messages ["100000 1000000"]
    BENCH_SECONDS      seconds per measurement [10]
    BENCH_RUNS         runs per page, system and concurrency; the median is reported [3]
    BENCH_CONCURRENCY  connections kept busy at once ["1 8"]
    BENCH_SYSTEMS      any of backchannel_sqlite datasette backchannel_postgresql [all three;
                       PostgreSQL only when a server answers at BENCH_POSTGRES_URL]
    BENCH_PAGES        page keys to measure (see bench/pages.py) [all]

Servers take turns: one run is every page on Backchannel (gunicorn, 2 workers, DEBUG off), then
every page on Datasette, then on PostgreSQL, then the next run — so a slow minute on this shared
machine lands on all systems alike. Only 127.0.0.1 is ever loaded.
"""

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from . import archives, load, results, servers, verify
from .pages import DatasetteRows, build_pages

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ALL_SYSTEMS = ["backchannel_sqlite", "datasette", "backchannel_postgresql"]
WARM_UP_SECONDS = 1


def setting(name, default):
    return os.environ.get(name, "").strip() or default


def machine_facts():
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    wrk_version = subprocess.run(
        [load.wrk_path(), "--version"], capture_output=True, text=True
    ).stdout.split(" Copyright")[0]
    import sqlite3

    import datasette

    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(memory_kb / 1024 / 1024),
        "python": f"Python {platform.python_version()}",
        "sqlite": sqlite3.sqlite_version,
        "datasette": datasette.__version__,
        "wrk": wrk_version.strip(),
    }


def load_average():
    return float(Path("/proc/loadavg").read_text().split()[0])


def describe(database_url, report_path, deep_row):
    completed = subprocess.run(
        [sys.executable, "-m", "bench.describe", str(report_path), str(deep_row)],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": database_url, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure_pages(server, pages, path_of, concurrencies, seconds):
    """One run of every page on one running server: {page key: {concurrency: figures}}."""
    figures = {}
    for page in pages:
        path = path_of(page)
        if page.missing or path is None:
            continue
        url = server.base_url + path
        server.wait_until_idle()
        status, size = servers.fetch_status(url)
        if status != 200:
            # Nothing to load: the page itself fails. Counted as errors, reported as its status.
            figures[page.key] = {"status": status}
            print(f"  {server.name}: {page.key} answered {status}, not measured", flush=True)
            continue
        load.run_wrk(url, max(concurrencies), WARM_UP_SECONDS)
        figures[page.key] = {"status": status, "bytes": size}
        for concurrency in concurrencies:
            server.wait_until_idle()
            result = load.run_wrk(url, concurrency, seconds).as_dict()
            result["worker_rss_mb"] = server.max_worker_rss_mb()
            result["load_average_after"] = load_average()
            figures[page.key][str(concurrency)] = result
            print(
                f"  {server.name:<11} {page.key:<17} c={concurrency}: "
                f"{result['requests_per_second']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  "
                f"RSS {result['worker_rss_mb']} MB",
                flush=True,
            )
    return figures


def benchmark_size(size, systems, concurrencies, seconds, runs, page_keys, machine):
    archives.CACHE.mkdir(parents=True, exist_ok=True)
    deep_row = min(500_000, size // 2)
    setups = {}
    sqlite_url = None
    if {"backchannel_sqlite", "datasette"} & set(systems):
        sqlite_url, sqlite_marker = archives.backchannel_sqlite(size)
        sqlite_path = Path(sqlite_url.removeprefix("sqlite:///"))
        described = describe(sqlite_url, sqlite_path.with_suffix(".report.json"), deep_row)
        datasette_path, inspect_path = archives.datasette_database(size, sqlite_path, sqlite_marker)
        pages = build_pages(described, DatasetteRows(datasette_path), datasette_path.stem)
        if "backchannel_sqlite" in systems:
            setups["backchannel_sqlite"] = (
                lambda: servers.BackchannelServer(archives.CACHE / "backchannel.log", sqlite_url),
                lambda page: page.backchannel,
            )
        if "datasette" in systems:
            setups["datasette"] = (
                lambda: servers.DatasetteServer(
                    archives.CACHE / "datasette.log", datasette_path, inspect_path
                ),
                lambda page: page.datasette,
            )
    if "backchannel_postgresql" in systems:
        postgres_url, _ = archives.backchannel_postgres(size)
        report_path = archives.CACHE / f"postgresql-{size}.report.json"
        described_pg = describe(postgres_url, report_path, deep_row)
        pg_pages = {page.key: page for page in build_pages(described_pg)}
        if sqlite_url is None:
            pages, described = list(pg_pages.values()), described_pg
        setups["backchannel_postgresql"] = (
            lambda: servers.BackchannelServer(archives.CACHE / "backchannel.log", postgres_url),
            # The PostgreSQL archive's own records (same generator and seed, its own cursor).
            lambda page: pg_pages[page.key].backchannel,
        )
    if page_keys:
        pages = [page for page in pages if page.key in page_keys]

    collected = {system: [] for system in setups}
    load_averages = []
    started = time.monotonic()
    for run in range(1, runs + 1):
        for system in [name for name in ALL_SYSTEMS if name in setups]:
            make_server, path_of = setups[system]
            load_averages.append(load_average())
            print(f"{size:,} messages, run {run}/{runs}: {system}", flush=True)
            with make_server() as server:
                if run == 1:
                    verify.check(system, server.base_url, pages, path_of)
                collected[system].append(
                    measure_pages(server, pages, path_of, concurrencies, seconds)
                )

    page_results = []
    for page in pages:
        entry = {"key": page.key, "label": page.label}
        if page.missing:
            entry["missing"] = page.missing
            page_results.append(entry)
            continue
        entry["paths"] = {system: setups[system][1](page) for system in setups}
        entry["summary"], entry["runs"] = {}, {}
        for system, system_runs in collected.items():
            per_run = [run.get(page.key) for run in system_runs if run.get(page.key)]
            entry["runs"][system] = per_run
            statuses = {figures["status"] for figures in per_run}
            if statuses and statuses != {200}:
                entry.setdefault("failed", {})[system] = sorted(statuses, key=str)
            entry["summary"][system] = {
                str(c): results.summarise([r[str(c)] for r in per_run if str(c) in r])
                for c in concurrencies
            }
        page_results.append(entry)

    result = {
        "messages": size,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine,
        "systems": list(setups),
        "concurrencies": concurrencies,
        "seconds": seconds,
        "runs": runs,
        "load_average": load_averages + [load_average()],
        "elapsed_seconds": round(time.monotonic() - started),
        "published_messages": described["published_messages"],
        "report": described["report"],
        "datasette_settings": servers.DATASETTE_SETTINGS,
        "backchannel_workers": servers.BACKCHANNEL_WORKERS,
        "pages": page_results,
    }
    results.write(result, RESULTS / f"{size}.json", RESULTS / f"{size}.md")
    print(results.markdown(result), flush=True)
    print(f"written: {RESULTS / f'{size}.json'} and {RESULTS / f'{size}.md'}")


def main():
    sizes = [int(size) for size in setting("BENCH_SIZES", "100000 1000000").split()]
    seconds = int(setting("BENCH_SECONDS", "10"))
    runs = int(setting("BENCH_RUNS", "3"))
    concurrencies = [int(c) for c in setting("BENCH_CONCURRENCY", "1 8").split()]
    systems = setting("BENCH_SYSTEMS", " ".join(ALL_SYSTEMS)).split()
    unknown = set(systems) - set(ALL_SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown BENCH_SYSTEMS: {', '.join(sorted(unknown))}")
    if "backchannel_postgresql" in systems and not archives.postgres_available():
        print(f"no PostgreSQL at {archives.POSTGRES_SERVER_URL}: measuring SQLite only")
        systems.remove("backchannel_postgresql")
    page_keys = set(setting("BENCH_PAGES", "").split())
    machine = machine_facts()
    if "backchannel_postgresql" in systems:
        machine["postgresql"] = archives.postgres_server_version()
    collect_static()
    for size in sizes:
        benchmark_size(size, systems, concurrencies, seconds, runs, page_keys, machine)


def collect_static():
    """With DEBUG off, pages name their static files from collectstatic's manifest."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=servers.production_environment("sqlite://:memory:"),
        check=True,
    )


if __name__ == "__main__":
    main()
