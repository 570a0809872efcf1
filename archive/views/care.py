"""Care for the people in a leak: the archive's context page, and readers' requests for a
takedown, a correction or the withholding of personal data (anyone, no account, rate-limited)."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from archive.models import ReaderRequest, ReaderRequestEvent
from lib.markdown import render_markdown
from lib.rate_limits import client_network, too_many, within_rate

CONTEXT = """\
## What this archive is

It publishes a body of private correspondence that reached the public, with the events around
it, so that it can be read, searched, cited and annotated as evidence.
**Inclusion implies no wrongdoing** by anyone named in it: people appear because they wrote,
received or were mentioned in the messages.

## How the texts were obtained and verified

Each record says where it comes from (its sources, or the file an import read) and how it is
known to be authentic: confirmed by a party, verified by metadata (such as a DKIM signature
checked against a key), corroborated by sources, unverified or disputed, with the evidence.
A text is marked verbatim, an excerpt, or our own summary.

## What the curators withhold

Personal data of third parties — phone numbers, addresses, account and id numbers, health and
other private details — is withheld, and shows as "[withheld: reason]". The withheld words are
kept only for the curators.

## Asking for a correction or a takedown

Anyone may ask, without an account: [write to the curators](/requests/). Every request is
answered, and its handling is recorded.
"""


def context_text():
    if settings.ARCHIVE_CONTEXT_FILE:
        return Path(settings.ARCHIVE_CONTEXT_FILE).read_text(encoding="utf-8")
    return CONTEXT


def context_page(request):
    """Anyone: what the archive is, how its texts were obtained and verified, what is withheld."""
    html = mark_safe(render_markdown(context_text(), headings_from=2))  # noqa: S308 - nh3-cleaned
    return render(request, "archive/context.html", {"context_html": html})


class ReaderRequestForm(forms.ModelForm):
    # Left empty by people; bots fill every field.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = ReaderRequest
        fields = ["kind", "record", "text", "name", "email"]
        labels = {
            "kind": "What do you ask for?",
            "record": "Which record (its address or id)",
            "text": "What should change, and why",
            "name": "Your name (optional)",
            "email": "Your e-mail address (for the answer; never published)",
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"email": "", "text": "", "record": "", "name": ""}

    def clean_record(self):
        record = " ".join(self.cleaned_data["record"].split())
        if record.startswith(("http://", "https://")) and not url_has_allowed_host_and_scheme(
            record, allowed_hosts=set(settings.ALLOWED_HOSTS) | {"testserver"}
        ):
            raise forms.ValidationError(
                "Give the address of a page of this archive, or the record's id (e.g. m06)."
            )
        return record

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 20:
            raise forms.ValidationError("Say in a sentence or two what should change, and why.")
        return text

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("This request looks automated and was not sent.")
        for name in ("record", "text", "name"):
            if "\x00" in (cleaned.get(name) or ""):
                self.add_error(name, "Holds a NUL character.")
        return cleaned


def reader_request(request):
    """Anyone: ask for a takedown, a correction or the withholding of personal data."""
    if request.method == "POST":
        form = ReaderRequestForm(request.POST)
        if form.is_valid():
            if not within_rate("reader_request", client_network(request)):
                said = "You have sent several requests within the hour; please wait a while."
                return too_many(request, said, back_url="/requests/")
            made = form.save()
            ReaderRequestEvent.objects.create(request=made, status=made.status, note="Received.")
            return render(request, "archive/request_sent.html", {"made": made})
    else:
        form = ReaderRequestForm(initial={"record": request.GET.get("record", "")[:500],
                                          "kind": request.GET.get("kind", "")})  # fmt: skip
    return render(request, "archive/request_form.html", {"form": form})
