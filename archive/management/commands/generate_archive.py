import json
import resource
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.synthetic import ArchiveNotEmpty, SchemaMissing, generate_archive


def _positive(value):
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Write a synthetic archive (people, accounts, threads, messages, events, sources, "
        "discrepancies, researchers' notes), labelled as such, into the configured database, "
        "which must hold no archive records. The same --messages and --seed give the same rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--messages", type=_positive, required=True, help="how many messages to write"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="the random seed: one archive per seed (1)"
        )
        parser.add_argument(
            "--report",
            type=Path,
            help="also write the summary as JSON here (for benchmark scripts)",
        )

    def handle(self, *args, messages, seed, report, **options):
        verbosity = options["verbosity"]

        def progress(written):
            if verbosity >= 1:
                self.stderr.write(f"  {written:,} messages")

        try:
            summary = generate_archive(messages, seed, progress=progress)
        except (ArchiveNotEmpty, SchemaMissing) as error:
            raise CommandError(str(error)) from error
        # ru_maxrss is in kilobytes on Linux.
        summary["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if report:
            report.parent.mkdir(parents=True, exist_ok=True)
            report.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        self.stdout.write(self._summary_text(summary))

    def _summary_text(self, summary):
        counts = summary["counts"]
        lines = [
            f"Synthetic archive, seed {summary['seed']}: {counts['messages']:,} messages "
            f"in {summary['seconds']} s (peak memory {summary['peak_rss_mb']} MB).",
            "",
            *(f"  {name.replace('_', ' ')}: {count:,}" for name, count in counts.items()),
            "",
            "Benchmark handles:",
            f"  message with 50 notes: {summary['message_with_50_notes']}",
            f"  busiest thread: {summary['busiest_thread']} "
            f"({summary['busiest_thread_messages']:,} messages)",
            f"  busy sender: {summary['busy_sender']} "
            f"({summary['busy_sender_messages']:,} published messages)",
            f"  common word: {summary['common_word']} "
            f"(in {summary['common_word_messages']:,} published messages)",
            f"  rare word: {summary['rare_word']} (in {summary['rare_word_messages']:,})",
            f'  phrase: "{summary["phrase"]}" (in {summary["phrase_messages"]:,})',
            "  accented words: "
            + ", ".join(f"{word} ({n:,})" for word, n in summary["accented_words"].items()),
            f"  busy month: {summary['busy_month']} "
            f"({summary['busy_month_messages']:,} published messages)",
            f"  dates: {' to '.join(summary['date_range'] or ['none'])}",
        ]
        return "\n".join(lines)
