"""The evidence: people, accounts, sources, threads, messages, events and where sources disagree,
with where each record came from. One module per kind of record; every model is importable from
`archive.models`, as Django expects of an app.

Nothing here imports from the annotations app: the archive loads, browses and curates on its own.
"""

from archive.models.authenticity import Authenticity, DkimCheck, DkimKey
from archive.models.base import DatedRecord, ExternalIdManager, PublishingQuerySet
from archive.models.collections import Collection
from archive.models.corrections import Correction, word_edits
from archive.models.counters import Counter
from archive.models.discrepancies import Discrepancy, DiscrepancyReading
from archive.models.events import Event
from archive.models.messages import AnswerRate, Latency, Message, Thread
from archive.models.people import Account, Person
from archive.models.personal_data import PersonalDataHit, SensitiveTerm
from archive.models.provenance import (
    Attachment,
    DatasetRelease,
    ImportBatch,
    ImportUpload,
    LoadedFixture,
)
from archive.models.requests import ReaderRequest, ReaderRequestEvent
from archive.models.search_index import (
    EventSearchEntry,
    MessageSearchEntry,
    PersonSearchEntry,
    SourceSearchEntry,
)
from archive.models.sources import ATTESTATION_REFS, Attestation, Source
from archive.models.withholdings import Withholding

__all__ = [
    "ATTESTATION_REFS",
    "Account",
    "AnswerRate",
    "Attachment",
    "Attestation",
    "Authenticity",
    "Collection",
    "Correction",
    "Counter",
    "DatasetRelease",
    "DkimCheck",
    "DkimKey",
    "DatedRecord",
    "Discrepancy",
    "DiscrepancyReading",
    "Event",
    "EventSearchEntry",
    "ExternalIdManager",
    "ImportBatch",
    "ImportUpload",
    "Latency",
    "LoadedFixture",
    "Message",
    "MessageSearchEntry",
    "Person",
    "PersonalDataHit",
    "PersonSearchEntry",
    "PublishingQuerySet",
    "ReaderRequest",
    "ReaderRequestEvent",
    "SensitiveTerm",
    "Source",
    "SourceSearchEntry",
    "Thread",
    "Withholding",
    "word_edits",
]
