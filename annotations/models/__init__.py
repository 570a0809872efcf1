"""Researchers' commentary on the archive: annotations, their source links, groups, history, flags,
and personal API tokens. One module per model (Zulip's zerver/models/), re-exported here, so
`from annotations.models import Annotation` is the one way to name each of them."""

from .annotation import (
    GROUP,
    PUBLIC,
    Annotation,
    AnnotationManager,
    AnnotationQuerySet,
    annotated_messages_subquery,
    is_signed_in,
)
from .flags import Flag, FlagQuerySet
from .groups import ResearchGroup
from .links import SourceLink, SourceLinkManager
from .revisions import SNAPSHOT_PARTS, AnnotationRevision, AnnotationRevisionQuerySet, changed_parts
from .search import AnnotationSearchEntry
from .tokens import ApiToken, ApiTokenQuerySet
from .validators import (
    MAX_BODY,
    MAX_LINKS,
    MAX_QUOTE,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    http_url_validator,
    invisible_controls,
    normalise_tag,
    normalise_tags,
    reject_invisible_controls,
)

__all__ = [
    "GROUP",
    "MAX_BODY",
    "MAX_LINKS",
    "MAX_QUOTE",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "PUBLIC",
    "SNAPSHOT_PARTS",
    "Annotation",
    "AnnotationManager",
    "AnnotationQuerySet",
    "AnnotationRevision",
    "AnnotationRevisionQuerySet",
    "AnnotationSearchEntry",
    "ApiToken",
    "ApiTokenQuerySet",
    "Flag",
    "FlagQuerySet",
    "ResearchGroup",
    "SourceLink",
    "SourceLinkManager",
    "annotated_messages_subquery",
    "changed_parts",
    "http_url_validator",
    "invisible_controls",
    "is_signed_in",
    "normalise_tag",
    "normalise_tags",
    "reject_invisible_controls",
]
