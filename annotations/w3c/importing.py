"""Notes from W3C Web Annotation JSON-LD files: ours read back exactly, other tools' anchored by
their quote. Each annotation passes the note form's checks; the report says, per item, what was
imported, skipped (and why) or failed (and why). `manage.py import_annotations` runs it.
"""

from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from archive.models import Message

from .. import anchoring
from ..forms import AnnotationForm, SourceLinkFormSet, forms_are_valid
from ..models import Annotation, ResearchGroup
from . import jsonld, shape


@dataclass
class Outcome:
    number: int  # the item's place in the file, from 1
    status: str  # imported / skipped / failed
    reason: str = ""
    uuid: str = ""
    target: str = ""


@dataclass
class Report:
    outcomes: list = field(default_factory=list)
    dry_run: bool = False

    def count(self, status):
        return sum(1 for o in self.outcomes if o.status == status)

    def as_dict(self):
        return {
            "dry_run": self.dry_run,
            "imported": self.count("imported"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "items": [asdict(o) for o in self.outcomes],
        }


class Refused(Exception):
    """One item cannot be imported; the message is the reason given in the report."""


def our_hosts():
    """The hosts whose permalinks are ours: SITE_URL's and every allowed host but '*'."""
    hosts = {urlsplit(settings.SITE_URL).netloc.lower()}
    hosts |= {h.lower() for h in settings.ALLOWED_HOSTS if h and "*" not in h}
    hosts |= {f"{h}:{urlsplit(settings.SITE_URL).port}" for h in list(hosts) if ":" not in h}
    return hosts


def import_document(document, *, default_author=None, default_visibility="private", dry_run=False):
    """Import every annotation the parsed JSON document holds; returns a Report.

    Raises jsonld.W3CError when the document is no W3C annotation data at all (nothing written).
    """
    items = jsonld.annotations_in(document)
    report = Report(dry_run=dry_run)
    hosts = our_hosts()
    users = get_user_model().objects
    with transaction.atomic():
        for number, item in enumerate(items, 1):
            try:
                with transaction.atomic():
                    note = _import_one(item, hosts, users, default_author, default_visibility)
            except Refused as refusal:
                status = "skipped" if str(refusal).startswith("already") else "failed"
                report.outcomes.append(Outcome(number, status, str(refusal)))
            except jsonld.W3CError as error:
                report.outcomes.append(Outcome(number, "failed", str(error)))
            else:
                report.outcomes.append(
                    Outcome(number, "imported", uuid=str(note.uuid), target=note.target_label)
                )
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_one(item, hosts, users, default_author, default_visibility):
    if not isinstance(item, dict):
        raise Refused("not an annotation object")
    shape.check(item)
    if "Annotation" not in jsonld.types_of(item):
        raise Refused('not an annotation ("type": "Annotation")')
    our_uuid = jsonld.uuid_from(item)
    if our_uuid and Annotation.objects.filter(uuid=our_uuid).exists():
        raise Refused(f"already in the archive (note {our_uuid})")
    canonical = item.get("canonical") if isinstance(item.get("canonical"), str) else ""
    if canonical and Annotation.objects.filter(canonical=canonical).exists():
        raise Refused(f"already in the archive (canonical {canonical})")
    sent_id = jsonld.iri_of(item) or ""
    if sent_id and not our_uuid and Annotation.objects.filter(via=sent_id).exists():
        raise Refused(f"already imported from {sent_id}")

    author = _author(item, users, default_author)
    record, quote = jsonld.target_of(item, allowed_hosts=hosts)
    fields = jsonld.form_data(item)
    if fields["visibility"] == "private" and "bc:visibility" not in item:
        fields["visibility"] = default_visibility
    fields.update(quote)

    annotation = Annotation(author=author)
    if isinstance(record, Message):
        annotation.message = record
    else:
        annotation.event = record
    _place_quote(annotation, item, fields)
    groups = {g.slug: g for g in ResearchGroup.objects.with_member(author)}
    if fields.get("group_slug") and fields["group_slug"] not in groups:
        raise Refused(f"{author} is not a member of a research group '{fields['group_slug']}'")
    post = jsonld.post_data(fields, groups=groups)
    form = AnnotationForm(post, instance=annotation, user=author)
    links = SourceLinkFormSet(post, instance=annotation, prefix="links")
    if not forms_are_valid(form, links):
        raise Refused(_errors(form, links))

    note = form.save(commit=False)
    if our_uuid:
        note.uuid = our_uuid
    if canonical and canonical != f"urn:uuid:{note.uuid}":
        note.canonical = canonical[:2000]
    if not our_uuid:
        note.via = sent_id[:2000]
    elif isinstance(item.get("via"), str):
        note.via = item["via"][:2000]
    now = timezone.now()
    note.created = jsonld.parse_timestamp(item.get("created")) or now
    note.modified = jsonld.parse_timestamp(item.get("modified")) or note.created
    try:
        note.save()
        links.instance = note
        links.save()
    except IntegrityError as error:
        raise Refused(f"could not be stored ({error})") from None
    note.record_revision(author)
    return note


def _author(item, users, default_author):
    creator = next(iter(jsonld.as_list(item.get("creator"))), None)
    nickname = creator.get("nickname") if isinstance(creator, dict) else None
    if isinstance(nickname, str) and nickname:
        user = users.filter(username=nickname, is_active=True).first()
        if user is not None:
            return user
    if default_author is not None:
        return default_author
    named = f"'{nickname}'" if nickname else "no creator"
    raise Refused(f"{named}: no account of that name here (give --user for notes from elsewhere)")


def _place_quote(annotation, item, fields):
    """Anchor the quote in the message's text as the form will accept it: by the quote and its
    context. A note of ours whose quote was already lost stays lost, with its quote kept."""
    exact = fields.get("quote_exact")
    if not exact:
        return
    if annotation.message_id is None:
        raise Refused("only a message's text can be quoted; the target is an event")
    text = annotation.message.text
    position = anchoring.locate(
        text,
        exact,
        fields.get("quote_prefix", ""),
        fields.get("quote_suffix", ""),
        near=fields.get("quote_start"),
    )
    if position is None:
        if item.get(f"{jsonld.OUR_PREFIX}:quoteLost") is True:
            # The form keeps an orphaned note's quote, context and offsets as they are.
            annotation.is_orphaned = True
            annotation.quote_exact = exact
            for name in ("quote_prefix", "quote_suffix", "quote_start", "quote_end"):
                setattr(annotation, name, fields.get(name) or ("" if "fix" in name else None))
            return
        raise Refused(f"the quote “{exact[:60]}” is not in the text of {annotation.target_label}")
    fields["quote_start"], fields["quote_end"] = position


def _errors(form, links):
    messages = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    messages += [str(e) for e in links.non_form_errors()]
    for number, link_form in enumerate(links.forms, 1):
        messages += [f"link {number} {n}: {' '.join(e)}" for n, e in link_form.errors.items()]
    return "; ".join(messages) or "the note form refused it"
