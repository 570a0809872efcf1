"""The account page's form: naming a new personal API token."""

from django import forms

from ..models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]
        labels = {"name": "Name of the new token"}
        help_texts = {"name": "What it is for, e.g. “Zotero sync” or “my R scripts”."}
