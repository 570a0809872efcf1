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
    if report.get("likely_duplicates"):
        lines.append(
            f"{report['likely_duplicates']:,} message(s) look already imported from another "
            "file (the same day and words):"
        )
        for duplicate in report.get("duplicate_examples", []):
            lines.append(f"  {duplicate['id']}: as {duplicate['already_as']}")
    lines += review_lines(report)
    if result.wrote:
        published = (
            "published"
            if report.get("published")
            else "unpublished: review and publish them in the admin"
        )
        lines.append(
            f"Batch {result.batch.pk}, in collection {report.get('collection')}; the messages "
            f"are {published}."
        )
    elif result.dry_run and not result.refused:
        lines.append("Nothing was written (dry run).")
    return "\n".join(lines)


def review_lines(report, rows=20):
    """The review table in text: the first messages (date, sender, recipients, subject or first
    words, thread, problems), then the messages per thread and per sender."""
    preview = report.get("preview") or []
    if not preview:
        return []
    lines = [f"First {min(rows, len(preview))} message(s):"]
    for row in preview[:rows]:
        recipients = ", ".join(row["recipients"]) or "public"
        if row["recipient_count"] > len(row["recipients"]):
            recipients += f" and {row['recipient_count'] - len(row['recipients'])} more"
        words = row["subject"] or row["first_words"]
        line = f"  {row['date'] or 'undated'}  {row['sender']} → {recipients}  “{words}”"
        line += f"  [{row['thread']}]"
        if row["problems"]:
            line += "  ! " + "; ".join(row["problems"])
        lines.append(line)
    threads = report.get("per_thread") or []
    lines.append(f"Messages per thread ({report.get('threads', len(threads)):,} threads):")
    lines += [f"  {group['messages']:>6,}  {group['title']}" for group in threads[:rows]]
    senders = report.get("per_sender") or []
    lines.append(f"Messages per sender ({report.get('senders', len(senders)):,} senders):")
    lines += [f"  {group['messages']:>6,}  {group['sender']}" for group in senders[:rows]]
    return lines
