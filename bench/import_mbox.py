"""How long importing a large mailbox takes, and how much memory: `make bench-import`.

    .venv/bin/python -m bench.import_mbox [MESSAGES]      (default 50,000)

Writes a deterministic mbox of MESSAGES e-mails (threads of replies with In-Reply-To and
References, quoted-printable and base64 bodies, Latin-1 and UTF-8, RFC 2047 subjects, HTML-only
mails, one in fifty with a small attachment) to var/bench/, imports it with
`manage.py import_messages` into a fresh SQLite database, and reports the wall time and the
importing process's peak memory (max RSS) in bench/results/import-<N>.md and .json.
"""

import base64
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
WORDS_TEXT = (
    "meeting agenda draft budget report call tomorrow review contract schedule release "
    "leak source document campaign statement interview lawyer server archive press café "
    "déjà vu naïve invoice travel hotel flight signal telegram password update"
)
WORDS = WORDS_TEXT.split()


def write_mbox(path, count, seed=1):
    rng = random.Random(seed)
    people = [f"person{n}@example.org" for n in range(400)]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    open_threads = []  # (root id, last id, subject, participants)
    with open(path, "wb") as out:
        for n in range(count):
            when = start + timedelta(minutes=7 * n + rng.randint(0, 5))
            message_id = f"m{n}.{seed}@bench.example.org"
            headers = []
            if open_threads and rng.random() < 0.6:
                index = rng.randrange(len(open_threads))
                root, last, subject, pair = open_threads[index]
                sender, recipient = pair[1], pair[0]
                headers += [f"In-Reply-To: <{last}>", f"References: <{root}> <{last}>"]
                subject_line = f"Re: {subject}"
                open_threads[index] = (root, message_id, subject, (sender, recipient))
                if rng.random() < 0.2:
                    open_threads.pop(index)
            else:
                sender, recipient = rng.sample(people, 2)
                subject = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
                subject_line = subject
                open_threads.append((message_id, message_id, subject, (sender, recipient)))
                if len(open_threads) > 300:
                    open_threads.pop(0)
            if rng.random() < 0.1:
                encoded = base64.b64encode(subject_line.encode()).decode()
                subject_line = f"=?utf-8?b?{encoded}?="
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120)))
            kind = rng.random()
            offset = rng.choice([-5, -4, 0, 1, 2, 5.5])
            zone = UTC if offset == 0 else __import__("datetime").timezone(timedelta(hours=offset))
            top = [
                f"From: Person <{sender}>",
                f"To: {recipient}",
                f"Subject: {subject_line}",
                f"Date: {format_datetime(when.astimezone(zone))}",
                f"Message-ID: <{message_id}>",
                *headers,
                "MIME-Version: 1.0",
            ]
            if kind < 0.6:
                part = [
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: 8bit",
                    "",
                    body,
                ]
            elif kind < 0.75:
                latin = body.encode("latin-1", errors="replace")
                qp = "".join(
                    chr(b) if 32 < b < 127 and b != 61 else (f"={b:02X}" if b != 32 else " ")
                    for b in latin
                )
                part = [
                    "Content-Type: text/plain; charset=iso-8859-1",
                    "Content-Transfer-Encoding: quoted-printable",
                    "",
                    *[qp[i : i + 70] + "=" for i in range(0, len(qp), 70)],
                    "",
                ]
            elif kind < 0.9:
                part = [
                    "Content-Type: text/html; charset=utf-8",
                    "",
                    f"<html><body><p>{body}</p><script>alert(1)</script></body></html>",
                ]
            else:
                payload = base64.encodebytes(body.encode()).decode().strip()
                part = [
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: base64",
                    "",
                    payload,
                ]
            if n % 50 == 0:
                attachment = base64.encodebytes(rng.randbytes(2048)).decode().strip()
                lines = top + [
                    'Content-Type: multipart/mixed; boundary="BOUNDARY"',
                    "",
                    "--BOUNDARY",
                    *part,
                    "--BOUNDARY",
                    f'Content-Type: application/octet-stream; name="data-{n}.bin"',
                    f'Content-Disposition: attachment; filename="data-{n}.bin"',
                    "Content-Transfer-Encoding: base64",
                    "",
                    attachment,
                    "--BOUNDARY--",
                ]
            else:
                lines = top + part
            text = "\n".join(lines).replace("\nFrom ", "\n>From ")
            out.write(f"From {sender} {when:%a %b %d %H:%M:%S %Y}\n".encode())
            out.write(text.encode("utf-8") + b"\n\n")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    CACHE.mkdir(parents=True, exist_ok=True)
    mbox = CACHE / f"import-{count}.mbox"
    if not mbox.exists():
        print(f"writing {mbox} …", flush=True)
        write_mbox(mbox, count)
    database = CACHE / f"import-{count}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "1",
        "MEDIA_ROOT": str(CACHE / f"import-{count}-media"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    print(f"importing {mbox.name} ({mbox.stat().st_size / 1024**2:.0f} MB) …", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", "import_messages", str(mbox), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if completed.returncode:
        print(completed.stdout[-3000:], completed.stderr[-3000:])
        raise SystemExit(completed.returncode)
    report = json.loads(completed.stdout)["report"]
    figures = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "messages_in_file": count,
        "file_mb": round(mbox.stat().st_size / 1024**2, 1),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb if peak_mb > before / 1024 else before / 1024, 1),
        "created": report["created"],
        "threads": report["threads_created"],
        "accounts": report["accounts_created"],
        "attachments": report["attachments"],
        "replies_linked": report["replies_linked"],
        "failed": report["failed"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"import-{count}.json").write_text(json.dumps(figures, indent=2) + "\n")
    table = "\n".join(
        [
            "| figure | value |",
            "|---|---|",
            *[f"| {key} | {value} |" for key, value in figures.items()],
        ]
    )
    (RESULTS / f"import-{count}.md").write_text(
        f"# Importing a {count:,}-message mbox\n\n{table}\n"
    )
    print(table)


if __name__ == "__main__":
    main()
