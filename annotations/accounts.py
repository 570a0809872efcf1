"""Researchers' accounts: Django's password reset, limited against abuse and lifting lockouts."""

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from .throttling import client_address, too_many, within_rate


class PasswordResetView(auth_views.PasswordResetView):
    """Anyone: ask for a reset link; mails are limited per address asked for and per client."""

    def form_valid(self, form):
        if not within_rate("password_reset_client", client_address(self.request)):
            return too_many(
                self.request,
                "Too many password-reset requests came from your network. "
                "Please wait an hour before asking again.",
            )
        # Counted for every address asked for, registered or not, and answered with the same
        # "check your e-mail" page: the limit must not tell which addresses have an account.
        if not within_rate("password_reset_email", form.cleaned_data["email"].strip().lower()):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The holder of a valid reset link: set a new password, which also lifts a sign-in lockout."""

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever proved they own the mailbox may sign in again, from any address.
        reset_axes_attempts(username=form.user.get_username())
        return response
