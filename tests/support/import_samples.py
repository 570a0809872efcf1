"""Small export files in each format, written from the formats' public descriptions (RFC 5322
and RFC 2045–2047 for e-mail, Twitter's archive README, Telegram Desktop's JSON export,
WhatsApp's "Export chat"). Invented people and words only."""

import json
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime


def email_bytes(
    message_id,
    sender,
    to,
    subject,
    when,
    body,
    *,
    in_reply_to=None,
    references=None,
    extra_headers=(),
    html=None,
    attachments=(),
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    if message_id:
        message["Message-ID"] = f"<{message_id}>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in extra_headers:
        message[name] = value
    if html is not None and body is None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for name, content_type, content in attachments:
        main, sub = content_type.split("/")
        message.add_attachment(content, maintype=main, subtype=sub, filename=name)
    return message.as_bytes()


NY = timezone(timedelta(hours=-4))
BERLIN = timezone(timedelta(hours=2))


def sample_emails():
    first = email_bytes(
        "a1@example.org",
        "Alice Example <alice@example.org>",
        "Bob Sample <bob@example.net>",
        "Lunch on Friday",
        datetime(2016, 10, 3, 18, 35, tzinfo=NY),
        "Are we still on for lunch?\n",
    )
    reply = email_bytes(
        "b1@example.net",
        "Bob Sample <bob@example.net>",
        "alice@example.org",
        "Re: Lunch on Friday",
        datetime(2016, 10, 4, 9, 5, tzinfo=BERLIN),
        "Yes — see you at noon.\n",
        in_reply_to="a1@example.org",
        references=["a1@example.org"],
    )
    return [first, reply]


def write_mbox(path, messages):
    """An mboxrd file: a body line beginning with "From " after any number of ">" gets one more."""
    with open(path, "wb") as stream:
        for raw in messages:
            stream.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n")
            for line in raw.replace(b"\r\n", b"\n").split(b"\n"):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                stream.write(line + b"\n")
            stream.write(b"\n")
    return path


def twitter_archive(folder, *, zip_path=None):
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    account = [
        {"account": {"accountId": "100", "username": "alice_x", "accountDisplayName": "Alice X"}}
    ]
    conversations = [
        {
            "dmConversation": {
                "conversationId": "100-200",
                "messages": [
                    {
                        "messageCreate": {
                            "id": "9002",
                            "senderId": "200",
                            "recipientId": "100",
                            "text": "Got it, thanks.",
                            "createdAt": "2016-10-03T22:40:00.000Z",
                            "urls": [],
                            "mediaUrls": [],
                            "reactions": [],
                        }
                    },
                    {
                        "messageCreate": {
                            "id": "9001",
                            "senderId": "100",
                            "recipientId": "200",
                            "text": "Sending the file now.",
                            "createdAt": "2016-10-03T22:35:00.000Z",
                            "urls": [],
                            "mediaUrls": [],
                            "reactions": [],
                        }
                    },
                ],
            }
        }
    ]
    tweets = [
        {
            "tweet": {
                "id_str": "5001",
                "full_text": "A public thought.",
                "created_at": "Mon Oct 03 12:00:00 +0000 2016",
            }
        },
        {
            "tweet": {
                "id_str": "5002",
                "full_text": "And a follow-up.",
                "created_at": "Mon Oct 03 12:05:00 +0000 2016",
                "in_reply_to_status_id_str": "5001",
            }
        },
    ]
    (data / "account.js").write_text("window.YTD.account.part0 = " + json.dumps(account))
    (data / "direct-messages.js").write_text(
        "window.YTD.direct_messages.part0 = " + json.dumps(conversations)
    )
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets))
    if zip_path:
        with zipfile.ZipFile(zip_path, "w") as archive:
            for file in sorted(data.iterdir()):
                archive.write(file, f"twitter-2016-10-05/data/{file.name}")
        return zip_path
    return folder


def telegram_export(path):
    export = {
        "name": "Carol Test",
        "type": "personal_chat",
        "id": 4242,
        "messages": [
            {
                "id": 1,
                "type": "service",
                "date": "2016-10-03T20:00:00",
                "date_unixtime": "1475524800",
                "actor": "Carol Test",
                "actor_id": "user7",
                "action": "phone_call",
                "text": "",
            },
            {
                "id": 2,
                "type": "message",
                "date": "2016-10-03T20:01:00",
                "date_unixtime": "1475524860",
                "from": "Carol Test",
                "from_id": "user7",
                "text": "Did you read it?",
            },
            {
                "id": 3,
                "type": "message",
                "date": "2016-10-03T20:03:00",
                "date_unixtime": "1475524980",
                "from": "Dan Demo",
                "from_id": "user8",
                "reply_to_message_id": 2,
                "text": ["Yes, ", {"type": "bold", "text": "twice"}, "."],
            },
        ],
    }
    path.write_text(json.dumps(export, ensure_ascii=False))
    return path


WHATSAPP = (
    "[03/10/2016, 18:35:10] Erin Placeholder: Morning!\n"
    "[03/10/2016, 18:36:02] Frank Filler: Morning. Two lines\n"
    "this time.\n"
    "[13/10/2016, 09:00:00] Messages and calls are end-to-end encrypted.\n"
    "[13/10/2016, 09:01:00] Erin Placeholder: Later one.\n"
)

CSV = (
    "id,thread,sent_at,date_earliest,date_latest,sender,recipients,text,text_status,source_url,in_reply_to\n"
    "r1,lunch,2016-10-03T18:35:00-04:00,,,@gina,@hal,Are we on?,verbatim,https://example.org/t,\n"
    "r2,lunch,,2016-10-04,2016-10-05,@hal,@gina,Hal agrees (our summary).,summary,https://example.org/t,r1\n"
)
