"""manage.py withhold RECORD "exact words" --reason REASON; manage.py withhold --release ID."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from archive.models import Event, Message, Withholding
from archive.models.withholdings import WithholdingError, withhold, withhold_event
from archive.models.withholdings import release as release_withholding


def reason_of(text):
    """(reason, note) from what was typed: a reason's key or label as listed, else "other"
    with the words typed as the curators' note; CommandError when it is empty."""
    text = (text or "").strip()
    if not text:
        listed = "; ".join(f"{key} ({label})" for key, label in Withholding.Reason.choices)
        raise CommandError(f"Give a reason (--reason): {listed}.")
    for key, label in Withholding.Reason.choices:
        if text.lower() in (key, label.lower()):
            return key, ""
    return Withholding.Reason.OTHER, text


class Command(BaseCommand):
    help = (
        "Withhold the exact words of a message (everywhere in it: text, subject, headers, its "
        "conversation's title, its people, corrections and the notes on it), a whole field "
        "(--field subject|text|summary) or an attachment (--attachment NAME); readers see "
        "'[withheld: reason]'. --release ID puts a withholding's words back."
    )

    def add_arguments(self, parser):
        parser.add_argument("record", nargs="?", help="the message's id (e.g. m06)")
        parser.add_argument("words", nargs="?", default="", help="the exact words to withhold")
        parser.add_argument("--reason", default="", help="contact, third_party, health, legal, "
                            "other, or words of your own (then: other)")  # fmt: skip
        parser.add_argument("--note", default="", help="why, for curators only")
        parser.add_argument("--field", choices=["subject", "text", "summary"], default="")
        parser.add_argument("--attachment", default="", help="an attachment's file name")
        parser.add_argument("--release", type=int, metavar="ID", help="release withholding ID")
        parser.add_argument("--user", default="", help="the curator recorded as doing it")

    def handle(self, *args, record, words, reason, note, field, attachment, release, user,
               **options):  # fmt: skip
        curator = None
        if user:
            curator = get_user_model().objects.filter(username=user).first()
            if curator is None:
                raise CommandError(f"There is no user {user!r}.")
        if release is not None:
            return self.release(release, curator)
        if not record:
            raise CommandError("Name the message (its id, e.g. m06), or give --release ID.")
        message = Message.objects.filter(external_id=record).first()
        event = None if message else Event.objects.filter(external_id=record).first()
        if message is None and event is None:
            raise CommandError(f"There is no message or event {record!r}.")
        if event is not None:
            return self.withhold_event(event, words, reason, note, field, attachment, curator)
        key, typed = reason_of(reason)
        note = "\n".join(filter(None, [typed, note]))
        chosen = None
        if attachment:
            chosen = message.attachments.filter(name=attachment).first()
            if chosen is None:
                names = ", ".join(message.attachments.values_list("name", flat=True)) or "none"
                raise CommandError(f"{record} has no attachment {attachment!r} (it has: {names}).")
        elif not words and not field:
            raise CommandError("Give the exact words to withhold, --field or --attachment.")
        try:
            withholding = withhold(message, words, key, scope=field, note=note, user=curator,
                                   attachment=chosen)  # fmt: skip
        except WithholdingError as error:
            raise CommandError(f"{record}: {error} Nothing was changed.") from None
        places = sum(len(part) for part in withholding.before.values())
        self.stdout.write(
            f"Withholding {withholding.pk}: {record} now reads {withholding.placeholder} in "
            f"place of {len(withholding.words)} characters, in {places} place(s) "
            f"({', '.join(key for key, part in withholding.before.items() if part)}). "
            f"Release with: manage.py withhold --release {withholding.pk}"
        )
        for version in withholding.withdrawn_releases:
            self.stdout.write(
                f"Withdrew dataset release {version}, which held the words (its file is "
                f"removed): make a new one with manage.py release_dataset."
            )

    def withhold_event(self, event, words, reason, note, field, attachment, curator):
        if field or attachment:
            raise CommandError("An event's words are withheld; it has no fields or attachments "
                               "to withhold whole.")  # fmt: skip
        key, typed = reason_of(reason)
        try:
            withholding = withhold_event(event, words, key, user=curator,
                                         note="\n".join(filter(None, [typed, note])))  # fmt: skip
        except WithholdingError as error:
            raise CommandError(f"{event.external_id}: {error} Nothing was changed.") from None
        self.stdout.write(
            f"Withholding {withholding.pk}: {event.external_id} now reads "
            f"{withholding.placeholder} in place of {len(withholding.words)} characters. "
            f"Release with: manage.py withhold --release {withholding.pk}"
        )

    def release(self, pk, curator):
        withholding = Withholding.objects.filter(pk=pk).select_related("message", "event").first()
        if withholding is None:
            raise CommandError(f"There is no withholding {pk}.")
        try:
            kept = release_withholding(withholding, user=curator)
        except WithholdingError as error:
            raise CommandError(f"{error} Nothing was changed.") from None
        said = f"; {kept} place(s) edited since keep the placeholder" if kept else ""
        self.stdout.write(
            f"Released withholding {pk}: {withholding.record.external_id} reads the words "
            f"again{said}."
        )
