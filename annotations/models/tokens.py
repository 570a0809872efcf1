"""Researchers' personal API tokens (the model; the account page is annotations/accounts/)."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .validators import reject_invisible_controls


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A researcher's personal key for the annotation API (`Authorization: Bearer …`).

    Only a SHA-256 of the key is stored: the key is shown once, when it is made, and a leaked
    database does not give anyone a researcher's access. Revoking keeps the row, so the account
    page can say when a key was used last and when it was revoked.
    """

    PREFIX = "bc_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        max_length=80, validators=[reject_invisible_controls], help_text="What it is for."
    )
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, to recognise it in the list without storing it.
    key_start = models.CharField(max_length=12, editable=False)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # Tokens in use are told apart by name (to revoke the right one); this also makes a
            # form sent twice (a reload, a double click) one token, not two.
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="apitoken_unique_active_name",
                violation_error_message="You already have a token in use with this name.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key_start}…)"

    @staticmethod
    def digest(key):
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name):
        """Make a token; returns (token, key). The key is never readable again."""
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_digest=cls.digest(key), key_start=key[:8]
        )
        return token, key

    @classmethod
    def user_for_key(cls, key):
        """The active user this key belongs to, or None; notes when the key was last used."""
        token = (
            cls.objects.active()
            .select_related("user")
            .filter(key_digest=cls.digest(key), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        # Written at most once a minute: a script making many calls does not write on each.
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            cls.objects.filter(pk=token.pk).update(last_used=now)
        return token.user

    @property
    def is_active(self):
        return self.revoked_at is None
