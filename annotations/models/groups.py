"""Research groups: the researchers a group note is shared with."""

from django.conf import settings
from django.db import models

from .validators import reject_invisible_controls


class ResearchGroup(models.Model):
    name = models.CharField(max_length=120, unique=True, validators=[reject_invisible_controls])
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="research_groups", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
