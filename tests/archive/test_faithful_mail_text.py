"""An e-mail's text arrives as it was written: its lines, paragraphs, quotations and signature
kept (and shown), an HTML-only mail read as text with its line structure, mbox escaping undone,
and the original part kept for curators."""

from datetime import datetime

import pytest

from archive.importing.importer import import_path
from archive.models import Message
from archive.models.mail_text import mail_parts
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db

WHEN = datetime(2016, 10, 3, 18, 35, tzinfo=samples.NY)
PLAIN = (
    "Hi Ben,\n"
    "\n"
    "Rotterdam works for me.\n"
    "The invoices follow on Monday.\n"
    "\n"
    "On Mon, 3 Oct 2016 at 11:25, Ben Sample <ben@example.net> wrote:\n"
    "> Can we meet in Rotterdam?\n"
    ">\n"
    "> Ben\n"
    "\n"
    "-- \n"
    "Ann Example\n"
    "Gdańsk office\n"
)


def imported(tmp_path, *raws, name="mail.mbox"):
    result = import_path(samples.write_mbox(tmp_path / name, list(raws)), publish=True)
    assert result.wrote, result.refused
    return list(Message.objects.filter(import_batch=result.batch).order_by("position"))


def mail(body=None, html=None, message_id="x1@example.org", subject="Rotterdam"):
    return samples.email_bytes(
        message_id, "Ann Example <ann@example.org>", "ben@example.net", subject, WHEN, body,
        html=html,
    )  # fmt: skip


def test_a_plain_mail_keeps_every_line_paragraph_quotation_and_signature(tmp_path):
    [message] = imported(tmp_path, mail(PLAIN))
    assert message.text == PLAIN.strip("\n")


def test_an_html_only_mail_becomes_text_with_its_line_structure(tmp_path):
    html = (
        "<html><body><p>Dear Ben,<br>the invoices\n   are attached.</p>"
        "<p>Two&nbsp;points:</p><ul><li>Rotterdam</li><li>Gda&#324;sk</li></ul>"
        "<div>Ann</div><script>alert(1)</script></body></html>"
    )
    [message] = imported(tmp_path, mail(html=html))
    assert message.text == (
        "Dear Ben,\nthe invoices are attached.\n\nTwo points:\n\n- Rotterdam\n- Gdańsk\n\nAnn"
    )
    # The original part stays, for curators, exactly as it came.
    assert message.original["text_part"].strip() == html
    assert "only an HTML part" in message.curator_note


def test_an_html_mail_nested_past_the_limit_keeps_its_lines_too(tmp_path):
    html = "<div>" * 300 + "first line<br>second line" + "</div>" * 300
    [message] = imported(tmp_path, mail(html=html))
    assert message.text == "first line\nsecond line"


@pytest.mark.parametrize(
    "written, read",
    [
        ("From the start, yes.", "From the start, yes."),
        (">From a quotation.", ">From a quotation."),
        (">>From deeper.", ">>From deeper."),
    ],
)
def test_mbox_from_escaping_is_undone(tmp_path, written, read):
    body = f"First line.\n{written}\nLast line.\n"
    [message] = imported(tmp_path, mail(body))
    assert message.text == f"First line.\n{read}\nLast line."


def test_an_eml_file_is_not_unescaped(tmp_path):
    path = tmp_path / "one.eml"
    path.write_bytes(mail(">From a quotation.\n"))
    result = import_path(path, publish=True)
    assert Message.objects.get(import_batch=result.batch).text == ">From a quotation."


def test_the_message_page_shows_the_lines_as_written(client, tmp_path):
    [message] = imported(tmp_path, mail(PLAIN))
    page = client.get(message.get_absolute_url()).content.decode()
    assert "Rotterdam works for me.\nThe invoices follow on Monday." in page


def test_the_conversation_folds_the_quotation_and_the_signature(client, tmp_path):
    [message] = imported(tmp_path, mail(PLAIN))
    page = client.get(message.thread.get_absolute_url()).content.decode()
    assert "Hi Ben,\n\nRotterdam works for me.\nThe invoices follow on Monday." in page
    assert "<summary>Quoted text (4 lines)</summary>" in page
    assert "<summary>Signature (3 lines)</summary>" in page
    quoted = page.index("<summary>Quoted text")
    assert page.index("&gt; Can we meet in Rotterdam?") > quoted


@pytest.mark.parametrize(
    "text, kinds",
    [
        (PLAIN, ["text", "quote", "signature"]),
        ("Just words.", ["text"]),
        ("> all quoted\n> still", ["quote"]),
        (
            "Fine by me.\n\n-----Original Message-----\nFrom: Ben\nSent: Monday\n\nCan we meet?",
            ["text", "quote"],
        ),
        ("Answer first.\n> quoted\nAnswer between.\n> quoted again", ["text", "quote"] * 2),
        ("On Monday he wrote: nothing quoted follows.\nMore.", ["text"]),
        ("Body.\n--\nSig line\n> quoted after the signature", ["text", "signature", "quote"]),
        ("", ["text"]),
    ],
)
def test_mail_parts_split_and_give_the_text_back_exactly(text, kinds):
    parts = mail_parts(text)
    assert "\n".join(part.text for part in parts) == text
    assert [part.kind for part in parts if part.text.strip() or len(parts) == 1] == kinds


def test_other_channels_are_never_folded(build):
    message = build.message(text="> a chat line that starts like a quotation", channel="chat")
    assert [part.kind for part in message.text_parts] == ["text"]
