"""Submit an admin change page as a browser would: every field of its form as rendered."""

from html.parser import HTMLParser

from django.urls import reverse


class _FormFields(HTMLParser):
    """The successful controls of the page's admin form (`<form id="…_form">`), in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields = []
        self._in_form = False
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in {"submit", "button", "image", "file", "reset"}:
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            # Django marks the chosen option of every select it renders, the empty one included.
            self.fields.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # A browser drops the newline that directly follows <textarea>.
            self.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select:
            self._select = None


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def form_data(page):
    """{name: value or [values]} of the admin form in a rendered change page."""
    parser = _FormFields()
    parser.feed(page.content.decode())
    data = {}
    for name, value in parser.fields:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


def open_change_page(client, obj):
    page = client.get(change_url(obj))
    assert page.status_code == 200
    return form_data(page)


def save_change_page(client, obj, data, **changes):
    """POST the form (as shown, plus `changes`) with the Save button."""
    return client.post(change_url(obj), {**data, **changes, "_save": "Save"})
