from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from . import anchoring
from .models import (
    MAX_BODY,
    MAX_LINKS,
    MAX_QUOTE,
    Annotation,
    Flag,
    ResearchGroup,
    SourceLink,
    http_url_validator,
    normalise_tags,
)


class AnnotationForm(forms.ModelForm):
    """A note on a message or event; author and target are set on the instance before binding."""

    tags = forms.CharField(
        required=False,
        max_length=600,
        help_text="Comma-separated, e.g. dates, s01-error.",
    )
    body = forms.CharField(
        required=False,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Note",
        help_text="Markdown: *emphasis*, **strong**, [link](https://…), lists, quotes.",
    )
    # The version of the note this form was made from: saving from an older one is a conflict.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    quote_exact = forms.CharField(
        required=False,
        max_length=MAX_QUOTE,
        label="Quote",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: the exact words of the message this note is about. Select them in "
        "the text, or type them; add more words if they appear more than once.",
    )

    class Meta:
        model = Annotation
        fields = [
            "quote_exact",
            "quote_prefix",
            "quote_suffix",
            "quote_start",
            "quote_end",
            "motivation",
            "body",
            "tags",
            "visibility",
            "group",
        ]
        widgets = {
            "quote_prefix": forms.HiddenInput,
            "quote_suffix": forms.HiddenInput,
            "quote_start": forms.HiddenInput,
            "quote_end": forms.HiddenInput,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["group"].queryset = ResearchGroup.objects.with_member(user)
        self.fields["group"].required = False
        self.fields["group"].help_text = "Needed when the visibility is 'Research group'."
        # The note's columns as read, to tell which ones this edit changes (binding changes them).
        self.columns_read = {name: self._column(name) for name in self._meta.fields}
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        else:
            del self.fields["version"]
        if not self.is_bound:
            # Shown as the user types them ("dates, podesta"), never as the stored list ("[]").
            self.initial["tags"] = ", ".join(self.instance.tags or [])
        if self.instance.event_id:
            for name in ("quote_exact", "quote_prefix", "quote_suffix", "quote_start", "quote_end"):
                del self.fields[name]
        elif self.instance.message.text_status == self.instance.message.TextStatus.SUMMARY:
            # Words chosen from our summary are not a quotation of the message (item 19).
            self.fields["quote_exact"].label = "Words of our summary"
            self.fields["quote_exact"].help_text = (
                "Optional: the words of our summary this note is about (our summary, not the "
                "message's own words). Select them in the text, or type them."
            )

    def changed_columns(self):
        """The note's columns this valid edit changes: the only ones its save may write."""
        return [
            name
            for name, before in self.columns_read.items()
            if name in self.fields and self._column(name) != before
        ]

    def _column(self, name):
        return getattr(self.instance, Annotation._meta.get_field(name).attname)

    def clean_tags(self):
        return normalise_tags(self.cleaned_data["tags"])

    def clean(self):
        # The group rule (needed for group visibility, dropped otherwise) is Annotation.clean()'s.
        cleaned = super().clean()
        if "quote_exact" in self.fields:
            self._place_quote(cleaned)
        return cleaned

    def _place_quote(self, cleaned):
        quote = cleaned.get("quote_exact") or ""
        if not quote.strip():
            cleaned.update(
                quote_exact="", quote_prefix="", quote_suffix="", quote_start=None, quote_end=None
            )
            return
        text = self.instance.message.text
        if self.instance.is_orphaned and quote == self.instance.quote_exact:
            # An orphaned note keeps its original quote through edits of its body.
            cleaned.update(
                quote_prefix=self.instance.quote_prefix,
                quote_suffix=self.instance.quote_suffix,
                quote_start=self.instance.quote_start,
                quote_end=self.instance.quote_end,
            )
            return
        start, end = cleaned.get("quote_start"), cleaned.get("quote_end")
        # The browser sends offsets with the selection; they are trusted only if they agree.
        if start is None or end is None or text[start:end] != quote:
            try:
                start, end = anchoring.find_unique(text, quote)
            except anchoring.QuoteNotFound:
                self.add_error(
                    "quote_exact",
                    "These words are not in the message's text. "
                    "Copy them exactly, or leave the quote empty.",
                )
                return
            except anchoring.QuoteAmbiguous as error:
                self.add_error(
                    "quote_exact",
                    f"These words appear {error.count} times in the "
                    "text. Add a word or two before or after to say which one.",
                )
                return
        prefix, suffix = anchoring.context(text, start, end)
        cleaned.update(
            quote_exact=quote,
            quote_start=start,
            quote_end=end,
            quote_prefix=prefix,
            quote_suffix=suffix,
        )


class SourceLinkForm(forms.ModelForm):
    url = forms.CharField(
        label="Source address",
        max_length=2000,
        required=True,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        validators=[http_url_validator],
    )
    archived_url = forms.CharField(
        label="Archived copy",
        max_length=2000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://web.archive.org/…"}),
        validators=[http_url_validator],
    )

    class Meta:
        model = SourceLink
        fields = ["url", "title", "publisher", "accessed_on", "archived_url"]
        widgets = {"accessed_on": forms.DateInput(attrs={"type": "date"})}
        labels = {"accessed_on": "Accessed on"}


class BaseSourceLinkFormSet(forms.BaseInlineFormSet):
    default_error_messages = {
        "too_many_forms": f"A note can have at most {MAX_LINKS} source links.",
    }

    def clean(self):
        super().clean()
        # Links the note has that this form does not show: saved meanwhile from another window.
        shown = [form.instance.pk for form in self.initial_forms if form.instance.pk]
        elsewhere = (
            set(self.instance.links.exclude(pk__in=shown).values_list("url", flat=True))
            if self.instance.pk
            else set()
        )
        urls = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            url = form.cleaned_data.get("url")
            if url and url in urls:
                raise ValidationError("The same source address is listed twice.")
            if url and url in elsewhere:
                raise ValidationError(
                    "This note already links to that address (saved from another window?). "
                    "Reload the note to see its current links."
                )
            if url:
                urls.append(url)
        # Counted against the links in the database, whatever the POST says it showed.
        self.link_count = len(urls) + len(elsewhere)
        if self.link_count > MAX_LINKS:
            raise ValidationError(
                f"A note can have at most {MAX_LINKS} source links; "
                f"it has {len(elsewhere)} this form does not show."
                if elsewhere
                else f"A note can have at most {MAX_LINKS} source links."
            )


SourceLinkFormSet = inlineformset_factory(
    Annotation,
    SourceLink,
    form=SourceLinkForm,
    formset=BaseSourceLinkFormSet,
    extra=1,
    max_num=MAX_LINKS,
    validate_max=True,
    # A POST claiming more forms than this is refused without building them.
    absolute_max=MAX_LINKS,
    can_delete=True,
)


def forms_are_valid(form, links):
    """Both valid, and the note says something: a body, a tag or at least one source link
    (a W3C tagging annotation is only its tags)."""
    valid = form.is_valid() & links.is_valid()
    says_something = valid and (
        form.cleaned_data.get("body", "").strip()
        or form.cleaned_data.get("tags")
        or links.link_count
    )
    if valid and not says_something:
        form.add_error("body", "Write a note, or add a tag or a source link.")
        return False
    return valid


class FlagForm(forms.ModelForm):
    class Meta:
        model = Flag
        fields = ["reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}
        labels = {"reason": "Why should a curator look at this note?"}
