"""Which conversation each e-mail of a batch belongs to, and which message it answers, as a
mail client works it out (Jamie Zawinski's threading algorithm, https://www.jwz.org/doc/threading.html):

1. References, oldest first, link each id to the one before it (links already made are kept),
   and a message's parent is the last id it names (its In-Reply-To when References is absent,
   as Outlook writes), never making a loop. Ids of messages not in the batch still link: a
   thread whose first mail is missing stays one thread.
2. A conversation is everything under one root.
3. As a last resort, an answer ("Re: …") naming no earlier message at all joins the latest
   earlier conversation with the same subject (Re:/Fwd: prefixes and case aside) and the same
   participants, and is taken to answer its latest message from someone else; both links are
   labelled inferred. A mail whose subject is not an answer's starts a conversation of its own
   (the same people's "Invoices" every month are separate conversations).

`MailThreads(heads)` is built from every message's headers before any message is read (the
readers read a mailbox twice), so the order of the mailbox does not matter.
"""

import re
from dataclasses import dataclass, field

SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|tr|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv)\s*(\[\d+\])?\s*:", re.IGNORECASE)


def normalised_subject(subject):
    return " ".join(SUBJECT_PREFIX.sub("", subject).split()).lower()


@dataclass
class Head:
    """What threading needs of one message: read from its headers alone."""

    message_id: str
    references: list  # References then In-Reply-To, oldest first, without its own id
    subject: str
    sender: str
    people: frozenset
    moment: object = None  # an aware datetime, or None when undated


@dataclass(frozen=True)
class Placement:
    thread_key: str  # the root's id: the same conversation in any batch has the same key
    inferred: bool = False  # joined by subject and participants, not by its headers
    inferred_parent: str = ""  # the id it is taken to answer, when that is inferred


@dataclass
class MailThreads:
    heads: list
    parent: dict = field(default_factory=dict)
    placements: dict = field(default_factory=dict)

    def __post_init__(self):
        self._heads = {head.message_id: head for head in self.heads}
        for head in self.heads:
            self._link(head)
        # In date order, so that an answer finds the conversation as it stood when it was sent,
        # and a later reply to an answer placed by subject follows it into its conversation.
        inferred = {}
        by_subject = {}  # (subject, participants) -> ids with them, in date order
        for head in sorted(self.heads, key=date_order):
            subject_key = (normalised_subject(head.subject), head.people)
            earlier = by_subject.setdefault(subject_key, [])
            if not head.references and REPLY_PREFIX.match(head.subject) and subject_key[0]:
                answered = self._answered(earlier, head) if earlier else ""
                if answered and not self._descends(answered, head.message_id):
                    self.parent[head.message_id] = answered
                    inferred[head.message_id] = answered
            earlier.append(head.message_id)
        for head in self.heads:
            self.placements[head.message_id] = Placement(
                self.root(head.message_id),
                inferred=head.message_id in inferred,
                inferred_parent=inferred.get(head.message_id, ""),
            )

    def _link(self, head):
        chain = head.references
        for older, newer in zip(chain, chain[1:], strict=False):
            if newer not in self.parent and not self._descends(older, newer):
                self.parent[newer] = older
        if chain and not self._descends(chain[-1], head.message_id):
            self.parent[head.message_id] = chain[-1]

    def _descends(self, node, ancestor):
        """Whether `node` is `ancestor` or below it (a link from ancestor to node would loop)."""
        seen = set()
        while node is not None and node not in seen:
            if node == ancestor:
                return True
            seen.add(node)
            node = self.parent.get(node)
        return False

    def root(self, message_id):
        seen = set()
        node = message_id
        while node in self.parent and node not in seen:
            seen.add(node)
            node = self.parent[node]
        return node

    def _answered(self, earlier, head):
        """The latest earlier message of the conversation from someone else (else the latest)."""
        for message_id in reversed(earlier):
            if self._heads[message_id].sender != head.sender:
                return message_id
        return earlier[-1]

    def place(self, message_id):
        return self.placements.get(message_id) or Placement(message_id)


def date_order(head):
    """Dated messages first, oldest first; the undated after them, in the mailbox's order."""
    return (head.moment is None, head.moment.timestamp() if head.moment else 0)
