"""django-axes' two lockouts (sign-in failures per username and per client).

Who the client is, and the rate limits, are in lib/rate_limits.py (`client_network`: the
address, or an IPv6 address's /64), which axes is told to use too (AXES_CLIENT_IP_CALLABLE).
Their counters live in the database (`archive.Counter`), so every worker and app server counts
the same actions, with or without Redis, and a cache that is down or evicts keys never resets
them.
"""

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum

# axes keeps the attempted username in a 255-character column.
RECORDED_USERNAME_LENGTH = 255


def attempted_username(request, credentials=None):
    """The username a sign-in tried, cut to what axes can store (a longer one is never valid)."""
    field = axes_settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return username[:RECORDED_USERNAME_LENGTH] if username else username


class AxesHandler(AxesDatabaseHandler):
    """django-axes with three lockouts: one username from one client, one client overall, and one
    username from anywhere.

    AXES_LOCKOUT_PARAMETERS lists them in that order. axes compares a single failure count with
    AXES_FAILURE_LIMIT, so the wider counts are scaled: AXES_ADDRESS_FAILURE_LIMIT failures from
    one client across any usernames, or AXES_ACCOUNT_FAILURE_LIMIT failures for one username
    from any number of clients (an attacker with many addresses), weigh as much as
    AXES_FAILURE_LIMIT failures for one username from one client.
    """

    def get_failures(self, request, credentials=None):
        per_username, per_address, per_account = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = axes_settings.AXES_FAILURE_LIMIT
        return max(
            per_username,
            per_address * limit // settings.AXES_ADDRESS_FAILURE_LIMIT,
            per_account * limit // settings.AXES_ACCOUNT_FAILURE_LIMIT,
        )

    def reset_user_attempts(self, request, credentials=None):
        # A successful sign-in clears that username's failures from this client only: signing
        # into one's own account must not wipe the client's count of failures on other accounts,
        # nor the failures others made on this account from elsewhere.
        per_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_username.delete()
        return count
