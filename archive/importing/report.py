"""An import's report in words, for the command line (the admin shows the same figures)."""


def describe(result):
    if result.already_imported:
        batch = result.already_imported
        return (
            f"{result.file_name} (sha256 {result.sha256}) was already imported as batch "
            f"{batch.pk} on {batch.created:%Y-%m-%d %H:%M}: nothing was created."
        )
    report = result.report
    verb = "would create" if result.dry_run or result.refused else "created"
    lines = [
        f"{result.file_name} ({result.format}, {result.size:,} bytes, sha256 {result.sha256})",
        f"{'Dry run: ' if result.dry_run else ''}{verb} {report.get('created', 0):,} message(s); "
        f"matched {report.get('matched', 0):,} already in the archive; skipped "
        f"{report.get('skipped', 0):,}; failed {report.get('failed', 0):,}.",
        f"Threads created {report.get('threads_created', 0):,}, accounts created "
        f"{report.get('accounts_created', 0):,}, attachments {report.get('attachments', 0):,}, "
        f"replies linked {report.get('replies_linked', 0):,}.",
    ]
    for outcome in ("failed", "skipped", "matched", "created"):
        examples = report.get("examples", {}).get(outcome, [])
        if examples:
            lines.append(f"First {outcome}:")
            for example in examples:
                lines.append(
                    f"  {example['location']}: {example.get('reason') or example.get('id')}"
                )
    for unlinked in report.get("replies_not_linked", []):
        lines.append(f"  reply not linked at {unlinked['location']}: {unlinked['reason']}")
    if result.wrote:
        published = (
            "published"
            if report.get("published")
            else "unpublished: review and publish them in the admin"
        )
        lines.append(f"Batch {result.batch.pk}; the messages are {published}.")
    elif result.dry_run and not result.refused:
        lines.append("Nothing was written (dry run).")
    return "\n".join(lines)
