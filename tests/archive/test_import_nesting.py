"""Parts within parts, lists within lists: past IMPORT_MAX_NESTING_DEPTH (50) a message fails on
its own, with the reason, and the rest of the file imports; nothing recursive takes the import
down, and nothing nested takes time out of proportion to its size."""

import json
import time
from datetime import datetime

import pytest

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import Message
from tests.support import import_samples as samples

pytestmark = pytest.mark.django_db


def nested_mime(depth):
    """An e-mail whose body is `depth` multiparts, each inside the one before."""
    head = [
        "From: alice@example.org",
        "To: bob@example.net",
        "Subject: Russian dolls",
        "Message-ID: <dolls@example.org>",
        "Date: Mon, 03 Oct 2016 18:35:00 -0400",
        "MIME-Version: 1.0",
    ]
    opening, closing = [], []
    for level in range(depth):
        opening.append(f"Content-Type: multipart/mixed; boundary=b{level}\n\n--b{level}")
        closing.append(f"--b{level}--")
    body = "\n".join(opening) + "\nContent-Type: text/plain\n\ninside\n" + "\n".join(closing[::-1])
    return ("\n".join(head) + "\n" + body + "\n").encode()


def mailbox_around(tmp_path, hostile):
    first, reply = samples.sample_emails()
    return samples.write_mbox(tmp_path / "mail.mbox", [first, hostile, reply])


def test_a_mail_nested_3000_deep_fails_alone_and_the_rest_imports(tmp_path):
    result = import_path(mailbox_around(tmp_path, nested_mime(3000)), skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    [failed] = result.report["examples"]["failed"]
    assert failed["location"].startswith("message 2 ")
    assert "nest deeper than 50 levels" in failed["reason"]
    assert not Message.objects.filter(original_id="dolls@example.org").exists()


@pytest.mark.parametrize("depth, limit, created", [(60, None, 2), (60, 100, 3), (40, None, 3)])
def test_mime_parts_past_the_nesting_setting_fail_the_message(
    tmp_path, settings, depth, limit, created
):
    if limit:
        settings.IMPORT_MAX_NESTING_DEPTH = limit
    result = import_path(mailbox_around(tmp_path, nested_mime(depth)), skip_invalid=True)
    assert result.report["created"] == created


def test_an_address_with_thousands_of_nested_comments_fails_alone(tmp_path):
    hostile = (
        b"From: " + b"(" * 5000 + b"eve@example.org\nTo: bob@example.net\nSubject: Hello\n"
        b"Message-ID: <comments@example.org>\nDate: Mon, 03 Oct 2016 18:35:00 -0400\n\nHi.\n"
    )
    result = import_path(mailbox_around(tmp_path, hostile), skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    assert "nest deeper" in result.report["examples"]["failed"][0]["reason"]


def test_html_nested_thousands_deep_is_read_as_text_in_proportion_to_its_size(tmp_path):
    html = "<p>Before</p>" + "<div>" * 30_000 + "deep &amp; inside" + "</div>" * 30_000
    html += "<script>alert(1)</script>" + " " * 100_000 + "end"
    hostile = samples.email_bytes(
        "deep-html@example.org",
        "alice@example.org",
        "bob@example.net",
        "Deep",
        datetime(2016, 10, 3, 18, 35, tzinfo=samples.NY),
        None,
        html=html,
    )
    started = time.monotonic()
    result = import_path(samples.write_mbox(tmp_path / "html.mbox", [hostile]))
    assert time.monotonic() - started < 3
    assert result.report["created"] == 1
    message = Message.objects.get()
    assert message.text.startswith("Before") and "deep & inside" in message.text
    assert "alert" not in message.text and message.text.endswith("end")
    assert "nest more than 200 deep" in message.curator_note


def telegram(messages):
    return {"name": "Chat", "type": "personal_chat", "id": 9, "messages": messages}


def chat_message(number, text):
    return {
        "id": number,
        "type": "message",
        "date_unixtime": str(1475524800 + number),
        "from": "Carol",
        "from_id": "user7",
        "text": text,
    }


def nested_list(depth):
    value = "core"
    for _ in range(depth):
        value = [value]
    return value


def test_a_telegram_message_nested_past_the_setting_fails_alone(tmp_path):
    path = tmp_path / "result.json"
    messages = [chat_message(1, "one"), chat_message(2, nested_list(60)), chat_message(3, "three")]
    path.write_text(json.dumps(telegram(messages)))
    result = import_path(path, skip_invalid=True)
    assert (result.report["created"], result.report["failed"]) == (2, 1)
    [failed] = result.report["examples"]["failed"]
    assert failed["location"] == "chat 9, message 2" and "nest deeper" in failed["reason"]


def test_a_json_file_nested_100000_deep_is_refused(tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(FileRefused, match="too deeply"):
        import_path(path)


def test_a_tweet_nested_past_the_setting_fails_alone(tmp_path):
    folder = samples.twitter_archive(tmp_path / "archive")
    tweets_js = folder / "data" / "tweets.js"
    entries = json.loads(tweets_js.read_text().split("=", 1)[1])
    entries[1]["tweet"]["entities"] = nested_list(60)
    tweets_js.write_text("window.YTD.tweets.part0 = " + json.dumps(entries))
    result = import_path(folder, skip_invalid=True)
    assert result.report["failed"] == 1 and result.report["created"] == 3
    assert "nest deeper" in result.report["examples"]["failed"][0]["reason"]
