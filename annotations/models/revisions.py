"""Every saved version of a note, and who may read each one."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .annotation import GROUP, PUBLIC, Annotation, is_signed_in
from .groups import ResearchGroup

# What a reader calls each part of a snapshot, in the order the history lists changes.
SNAPSHOT_PARTS = [
    ("body", "note"),
    ("quote", "quote"),
    ("motivation", "motivation"),
    ("tags", "tags"),
    ("visibility", "sharing"),
    ("group", "sharing"),
    ("links", "source links"),
]


def changed_parts(before, after):
    """['note', 'tags'] — the parts of a note that differ between two snapshots."""
    changed = []
    for key, label in SNAPSHOT_PARTS:
        if before.get(key) != after.get(key) and label not in changed:
            changed.append(label)
    return changed


class AnnotationRevisionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Versions this user could read when they were written: the note's author sees every
        version; anyone else a public version, or a group version of a group they belong to.
        (Whether the note itself may be seen is Annotation's rule; callers look it up first.)"""
        public = Q(snapshot__visibility=PUBLIC)
        if not is_signed_in(user):
            return self.filter(public)
        groups = list(ResearchGroup.objects.with_member(user).values_list("pk", "name"))
        # Snapshots keep the group's id; older ones only its name (groups are unique by name).
        in_group = Q(snapshot__group_id__in=[pk for pk, _ in groups]) | (
            ~Q(snapshot__has_key="group_id") & Q(snapshot__group__in=[name for _, name in groups])
        )
        return self.filter(
            Q(annotation__author=user) | public | (Q(snapshot__visibility=GROUP) & in_group)
        )


class AnnotationRevision(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField()

    objects = AnnotationRevisionQuerySet.as_manager()

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self):
        return f"Revision of {self.annotation.uuid} at {self.created:%Y-%m-%d %H:%M}"

    def is_visible_to(self, user):
        """Instance twin of AnnotationRevisionQuerySet.visible_to."""
        visibility = self.snapshot.get("visibility")
        if visibility == PUBLIC:
            return True
        if not is_signed_in(user):
            return False
        if self.annotation.is_authored_by(user):
            return True
        if visibility != GROUP:
            return False
        groups = ResearchGroup.objects.with_member(user)
        if "group_id" in self.snapshot:
            return groups.filter(pk=self.snapshot["group_id"]).exists()
        return groups.filter(name=self.snapshot.get("group")).exists()
