"""Researchers' accounts: Django's password reset, limited against abuse and lifting lockouts;
the account page with personal API tokens."""

from axes.utils import reset as reset_axes_attempts
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lib.rate_limits import client_network, too_many, within_rate

from ..models import ApiToken
from .forms import ApiTokenForm


class PasswordResetView(auth_views.PasswordResetView):
    """Anyone: ask for a reset link; mails are limited per address asked for and per client."""

    def form_valid(self, form):
        if not within_rate("password_reset_client", client_network(self.request)):
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


MAX_ACTIVE_TOKENS = 10


@never_cache
@login_required
def account(request):
    """Signed-in researchers: their account — password, personal API tokens, their notes."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST":
        if request.user.api_tokens.active().count() >= MAX_ACTIVE_TOKENS:
            form.add_error(
                None,
                f"You have {MAX_ACTIVE_TOKENS} tokens in use: revoke one you no longer need first.",
            )
        if form.is_valid():
            name = form.cleaned_data["name"]
            try:
                with transaction.atomic():
                    token, new_key = ApiToken.issue(request.user, name)
            except IntegrityError:
                # The same form sent twice (a reload, a double click), or a name in use.
                form.add_error(
                    "name",
                    f"You already have a token in use named “{name}”: it is listed below (its "
                    "key was shown once, when it was made). Choose another name, or revoke "
                    "that one first.",
                )
            else:
                form = ApiTokenForm()
        status = 201 if new_key else 400
    return render(
        request,
        "annotations/account.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": request.user.api_tokens.all(),
            "container": reverse("annotations:w3c_container"),
        },
        status=status,
    )


@require_POST
@login_required
def revoke_token(request, pk):
    """The token's owner: revoke it (POST); it stops working at once and stays listed."""
    token = get_object_or_404(request.user.api_tokens.active(), pk=pk)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("annotations:account")
