"""Medians of the runs, written as JSON (all figures) and a Markdown table (for the README)."""

import json
import math
import statistics

from .servers import PAGE_TIMEOUT_SECONDS

SYSTEM_LABELS = {
    "backchannel_sqlite": "Backchannel (SQLite)",
    "datasette": "Datasette",
    "backchannel_postgresql": "Backchannel (PostgreSQL)",
}


def summarise(runs):
    """One figure per measure from a list of runs (each a LoadResult dict plus RSS)."""
    if not runs:
        return None

    def median(key):
        values = [run[key] for run in runs if not math.isnan(run[key])]
        return round(statistics.median(values), 2) if values else None

    sizes = [run["worker_rss_mb"] for run in runs if run.get("worker_rss_mb") is not None]
    return {
        "runs": len(runs),
        "requests_per_second": median("requests_per_second"),
        "p50_ms": median("p50_ms"),
        "p99_ms": median("p99_ms"),
        # Errors are added up over the runs, not a median: one failing run is reported.
        "errors": sum(run["errors"] for run in runs),
        "requests": sum(run["requests"] for run in runs),
        "worker_rss_mb": max(sizes) if sizes else None,
    }


def _number(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(numerator, denominator):
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.1f}×"


def failure(page, system):
    """What a page that was not measured answered instead of 200."""
    statuses = page.get("failed", {}).get(system)
    if not statuses:
        return "–"
    return ", ".join(
        f"no answer in {PAGE_TIMEOUT_SECONDS} s" if status is None else f"HTTP {status}"
        for status in statuses
    )


def comparison_table(result, base="backchannel_sqlite", other="datasette"):
    """Markdown: Backchannel and Datasette side by side per page and concurrency."""
    lines = [
        "| page | c | Backchannel req/s | p50 ms | p99 ms | errors | RSS MB "
        "| Datasette req/s | p50 ms | p99 ms | errors | RSS MB | req/s ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in result["pages"]:
        if page.get("missing"):
            lines.append(f"| {page['label']} | | {page['missing']} |" + " |" * 10)
            continue
        for concurrency in result["concurrencies"]:
            key = str(concurrency)
            ours = page["summary"].get(base, {}).get(key)
            theirs = page["summary"].get(other, {}).get(key)
            cells = [page["label"], str(concurrency)]
            for system, figures in ((base, ours), (other, theirs)):
                if figures is None:
                    cells += [failure(page, system)] + ["–"] * 4
                    continue
                cells += [
                    _number(figures["requests_per_second"]),
                    _number(figures["p50_ms"], 1),
                    _number(figures["p99_ms"], 1),
                    str(figures["errors"]),
                    _number(figures["worker_rss_mb"]),
                ]
            cells.append(
                _ratio(
                    ours and ours["requests_per_second"], theirs and theirs["requests_per_second"]
                )
            )
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def single_system_table(result, system, compare_to="backchannel_sqlite"):
    """Markdown: one system's figures, with its req/s against another system's."""
    lines = [
        f"| page | c | req/s | p50 ms | p99 ms | errors | RSS MB | vs {SYSTEM_LABELS[compare_to]} "
        "req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for page in result["pages"]:
        if page.get("missing"):
            lines.append(f"| {page['label']} | | {page['missing']} |" + " |" * 5)
            continue
        for concurrency in result["concurrencies"]:
            key = str(concurrency)
            figures = page["summary"].get(system, {}).get(key)
            baseline = page["summary"].get(compare_to, {}).get(key)
            if figures is None:
                cells = [page["label"], str(concurrency), failure(page, system)]
                lines.append("| " + " | ".join(cells + ["–"] * 5) + " |")
                continue
            lines.append(
                "| "
                + " | ".join(
                    [
                        page["label"],
                        str(concurrency),
                        _number(figures["requests_per_second"]),
                        _number(figures["p50_ms"], 1),
                        _number(figures["p99_ms"], 1),
                        str(figures["errors"]),
                        _number(figures["worker_rss_mb"]),
                        _ratio(
                            figures["requests_per_second"],
                            baseline and baseline["requests_per_second"],
                        ),
                    ]
                )
                + " |"
            )
    return "\n".join(lines)


def markdown(result):
    machine = result["machine"]
    loads = result["load_average"]
    header = [
        f"### {result['messages']:,} messages — {result['date']}",
        "",
        f"Machine: {machine['cpus']} cores ({machine['cpu_model']}), {machine['memory_gb']} GB; "
        f"{machine['python']}, SQLite {machine['sqlite']}, Datasette {machine['datasette']}, "
        f"PostgreSQL {machine.get('postgresql') or '–'}, {machine['wrk']}. "
        f"{result['seconds']} s per run, median of {result['runs']} runs; load average "
        f"(1 min) before the runs {min(loads):.2f}–{max(loads):.2f}.",
        "",
    ]
    body = []
    systems = result["systems"]
    if "backchannel_sqlite" in systems:
        body += ["SQLite, against Datasette:", "", comparison_table(result), ""]
    if "backchannel_postgresql" in systems:
        body += [
            "PostgreSQL (Backchannel only):",
            "",
            single_system_table(result, "backchannel_postgresql"),
            "",
        ]
    return "\n".join(header + body)


def write(result, json_path, markdown_path):
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    markdown_path.write_text(markdown(result))
