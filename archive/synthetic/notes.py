"""Researchers, their groups and their notes on messages and events.

Eight to thirty researchers with unusable passwords and three research groups, written with the
ORM. Notes are made as the messages and events are: one message in ninety has some, one message
has exactly fifty public ones, one event in four has one or two. A note may quote the message
(with the anchor a selection would get), carry tags and links, and have a history of revisions;
a fixed schedule makes sure that even a small archive has every visibility, edits, a deletion
and a note hidden by a curator.
"""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model

from annotations import anchoring
from annotations.models import Annotation, ResearchGroup
from archive.models import Message
from archive.synthetic.shape import (
    LABEL,
    RESEARCH_SECONDS,
    RESEARCH_START,
    SYNTHETIC_URL,
    cumulative_weights,
)

RESEARCHER_PREFIX = "synthetic-researcher-"
NOTE_TAGS = [
    "timeline",
    "follow-up",
    "date-check",
    "wording",
    "sources",
    "context",
    "people",
    "money",
    "café-question",
]


# Which notes (counted in the order they are made, the 50-note message's aside) are shared
# how, edited, deleted or hidden: the first three have one visibility each; then one in six is
# edited (one to three times), one in fifty deleted, one in a hundred hidden by a curator.
FIRST_VISIBILITIES = ["public", "group", "private"]
EDITED_EVERY, EDITED_AT = 6, 1
DELETED_EVERY, DELETED_AT = 50, 3
HIDDEN_EVERY, HIDDEN_AT = 100, 5


class NotesMixin:
    """Part of SyntheticArchive: writes the researchers and groups, then the notes.

    Reads `rng`, `researcher_count`, `fifty_notes_from` and the `annotations`, `source_links`
    and `revisions` tables; uses `_words()` (threads.py). Sets `researchers`,
    `researcher_weights`, `researcher_groups`, `group_names`, `membership_count` and
    `fifty_notes_message`, and counts `scheduled_notes` and `visibility_counts`.
    """

    def _write_researchers(self):
        rng = self.rng
        User = get_user_model()
        first_pk = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        joined = RESEARCH_START - timedelta(days=30)
        users = []
        for number in range(1, self.researcher_count + 1):
            username = f"{RESEARCHER_PREFIX}{number:02d}"
            # An unusable password ("!" and random characters, as Django makes one), drawn from
            # the seeded generator so the rows stay the same per seed.
            unusable = "!" + "".join(
                rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40)
            )
            users.append(
                User(
                    pk=first_pk + number - 1,
                    username=username,
                    first_name="Synthetic",
                    last_name=f"Researcher {number:02d}",
                    email=f"{username}@example.invalid",
                    password=unusable,
                    date_joined=joined,
                )
            )
        User.objects.bulk_create(users)
        self.researchers = [user.pk for user in users]
        self.researcher_weights = list(cumulative_weights(1 / k for k in range(1, len(users) + 1)))

        groups = [
            ResearchGroup(
                pk=number,
                name=f"Synthetic research group {letter}",
                slug=f"synthetic-group-{letter.lower()}",
                description=f"A synthetic research group ({LABEL}).",
            )
            for number, letter in enumerate("ABC", start=1)
        ]
        ResearchGroup.objects.bulk_create(groups)
        self.group_names = {group.pk: group.name for group in groups}
        # Each researcher in one group, every third in two, the last in none.
        Membership = ResearchGroup.members.through
        memberships = []
        self.researcher_groups = {}
        for index, user_pk in enumerate(self.researchers):
            mine = [] if index == len(self.researchers) - 1 else [index % 3 + 1]
            if mine and index % 3 == 0:
                mine.append((index + 1) % 3 + 1)
            self.researcher_groups[user_pk] = mine
            for group_pk in mine:
                memberships.append(
                    Membership(pk=len(memberships) + 1, researchgroup_id=group_pk, user_id=user_pk)
                )
        Membership.objects.bulk_create(memberships)
        self.membership_count = len(memberships)

    # Notes --------------------------------------------------------------------------------------

    def _message_notes(self, pk, text, body_start, status, published):
        rng = self.rng
        quotable = status != Message.TextStatus.SUMMARY
        if (
            self.fifty_notes_message is None
            and pk >= self.fifty_notes_from
            and published
            and quotable
            and len(text) > 80
        ):
            self.fifty_notes_message = f"syn-m{pk:07d}"
            for _ in range(50):
                self._note(pk, None, text, body_start, quotable=True, public=True)
            return
        if rng.random() < 1 / 90:
            count = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
            for _ in range(count):
                self._note(pk, None, text, body_start, quotable=quotable)

    def _note(self, message, event, text, body_start, quotable, public=False):
        """One researcher's note, with its history (revisions), links and fate (deleted,
        hidden). `public` makes a plain, public, standing note (the 50-note message's)."""
        rng = self.rng
        pk = self.annotations.next_id()
        author = rng.choices(self.researchers, cum_weights=self.researcher_weights)[0]
        # Most notes draw their sharing at random; a fixed schedule makes sure that even a small
        # archive has one of each visibility, edited notes, a deleted one and a hidden one.
        ordinal = None if public else self.scheduled_notes
        if ordinal is not None:
            self.scheduled_notes += 1
        roll = rng.random()
        if public or ordinal % HIDDEN_EVERY == HIDDEN_AT:
            visibility = Annotation.Visibility.PUBLIC
        elif ordinal < len(FIRST_VISIBILITIES):
            visibility = FIRST_VISIBILITIES[ordinal]
        else:
            visibility = (
                Annotation.Visibility.PUBLIC
                if roll < 0.55
                else Annotation.Visibility.GROUP
                if roll < 0.80
                else Annotation.Visibility.PRIVATE
            )
        group = None
        if visibility == Annotation.Visibility.GROUP:
            if not self.researcher_groups[author]:
                author = self.researchers[0]  # a note shared with a group is by a member
            group = rng.choice(self.researcher_groups[author])
        motivation = rng.choices(Annotation.Motivation.values, weights=(50, 20, 8, 10, 7, 5))[0]
        quote = {"exact": "", "prefix": "", "suffix": "", "start": None, "end": None}
        if message and quotable and rng.random() < 0.45:
            quote = self._quote(text, body_start) or quote
        _, body = self._words(rng.randint(8, 60))
        body = f"Synthetic note. {body}"
        tags = rng.sample(NOTE_TAGS, rng.randint(1, 3)) if rng.random() < 0.5 else []
        created = RESEARCH_START + timedelta(seconds=rng.randrange(RESEARCH_SECONDS))
        links = []
        if rng.random() < 0.2:
            for number in range(1, rng.randint(1, 2) + 1):
                links.append(
                    {
                        "url": f"{SYNTHETIC_URL}/notes/{pk}/reference-{number}",
                        "title": f"Synthetic reference {number}",
                        "publisher": f"Synthetic Publisher {rng.randint(1, 40):02d}",
                        "accessed_on": (created - timedelta(days=rng.randint(0, 30))).date(),
                    }
                )

        # History: the first version, then edits that lengthened the note, added links or
        # shared it more widely (so earlier versions can be private while the note is public).
        edits = 0 if public or ordinal % EDITED_EVERY != EDITED_AT else 1 + ordinal % 3
        first_visibility = (
            Annotation.Visibility.PRIVATE
            if edits and visibility != Annotation.Visibility.PRIVATE and rng.random() < 0.3
            else visibility
        )
        versions = []
        moment = created
        for version in range(edits + 1):
            final = version == edits
            words = body.split(" ")
            versions.append(
                (
                    moment,
                    {
                        "body": body
                        if final
                        else " ".join(words[: max(3, len(words) * (version + 1) // (edits + 1))]),
                        "motivation": motivation,
                        "tags": tags if final else tags[:1],
                        "visibility": visibility if final else first_visibility,
                        "group": self.group_names[group]
                        if group and (final or first_visibility == visibility)
                        else None,
                        "group_id": group if final or first_visibility == visibility else None,
                        "quote": quote,
                        "links": [
                            {
                                **link,
                                "accessed_on": link["accessed_on"].isoformat(),
                                "archived_url": "",
                            }
                            for link in links
                        ]
                        if final
                        else [],
                    },
                )
            )
            moment = moment + timedelta(seconds=rng.randrange(3600, 60 * 86400))
        modified = versions[-1][0]
        version_number = edits + 1

        deleted_at = hidden_at = None
        is_hidden = False
        hidden_reason = ""
        if not public and ordinal % DELETED_EVERY == DELETED_AT:
            deleted_at = modified + timedelta(days=rng.randint(1, 90))
            version_number += 1  # a deletion moves the version on
        elif not public and ordinal % HIDDEN_EVERY == HIDDEN_AT:
            is_hidden = True
            hidden_at = modified + timedelta(days=rng.randint(1, 30))
            hidden_reason = "Synthetic moderation: hidden to exercise the curators' tools."

        self.annotations.add(
            (
                pk,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                author,
                message,
                event,
                quote["exact"],
                quote["prefix"],
                quote["suffix"],
                quote["start"],
                quote["end"],
                False,
                motivation,
                body,
                tags,
                visibility,
                group,
                created,
                modified,
                deleted_at,
                is_hidden,
                hidden_reason,
                hidden_at,
                version_number,
                None,
                "",
                "",
            )
        )
        for link in links:
            self.source_links.append(
                pk, link["url"], link["title"], link["publisher"], link["accessed_on"], ""
            )
        for moment, snapshot in versions:
            self.revisions.append(pk, author, moment, snapshot)
        self.visibility_counts[visibility] += 1

    def _quote(self, text, body_start):
        """Two to six words of the text after its label, found once in it, with the anchor a
        researcher's selection would get (offsets, and the text just before and after)."""
        rng = self.rng
        words = text[body_start:].split(" ")
        if len(words) < 3:
            return None
        count = rng.randint(2, min(6, len(words) - 1))
        first = rng.randrange(len(words) - count + 1)
        start = body_start + sum(len(word) + 1 for word in words[:first])
        exact = " ".join(words[first : first + count]).rstrip(".…")
        if len(exact) < 3 or text.count(exact) != 1:
            return None
        end = start + len(exact)
        prefix, suffix = anchoring.context(text, start, end)
        return {"exact": exact, "prefix": prefix, "suffix": suffix, "start": start, "end": end}
