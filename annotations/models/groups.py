"""Research groups: the researchers a group note is shared with."""

from django.conf import settings
from django.db import models

from .validators import reject_invisible_controls


class ResearchGroupQuerySet(models.QuerySet):
    def with_member(self, user):
        """The groups this user belongs to (none for an anonymous reader): the groups they may
        share a note with, and whose notes they may read."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(members=user)


class ResearchGroup(models.Model):
    name = models.CharField(max_length=120, unique=True, validators=[reject_invisible_controls])
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="research_groups", blank=True
    )

    objects = ResearchGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def has_member(self, user):
        """Instance twin of ResearchGroupQuerySet.with_member."""
        return ResearchGroup.objects.with_member(user).filter(pk=self.pk).exists()
