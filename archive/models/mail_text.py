"""An e-mail's text in its parts: what the sender wrote, the earlier mail it quotes, and its
signature, so that a conversation view can fold the last two away (shown on demand) while the
message's own page keeps the whole text, as it came."""

import re
from dataclasses import dataclass

# "On Mon, 3 Oct 2016 at 11:25, Ann <ann@example.org> wrote:" (and the German and French forms
# mail clients write), the line that introduces a quotation.
ATTRIBUTION = re.compile(
    r"^(On\b.{0,300}\bwrote|Am\b.{0,300}\bschrieb|Le\b.{0,300}\ba écrit)\s*:\s*$", re.IGNORECASE
)
# Outlook's and others' separator above the mail being answered, quoted without ">".
ORIGINAL_MESSAGE = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht)\s*-{2,}"
    r"|_{10,})\s*$",
    re.IGNORECASE,
)
# RFC 3676's signature separator ("-- "), also without its space as many clients write it.
SIGNATURE = re.compile(r"^--\s?$")


@dataclass(frozen=True)
class Part:
    kind: str  # "text" | "quote" | "signature"
    text: str

    @property
    def folded(self):
        return self.kind != "text"

    @property
    def line_count(self):
        return self.text.count("\n") + 1


def mail_parts(text):
    """The text as consecutive parts; joined with new lines they give the text back exactly."""
    lines = text.split("\n")
    kinds = []
    state = "text"
    for index, line in enumerate(lines):
        if state == "rest-quoted":
            kinds.append("quote")
            continue
        if ORIGINAL_MESSAGE.match(line):
            state = "rest-quoted"
            kinds.append("quote")
            continue
        if line.startswith(">") or (ATTRIBUTION.match(line) and _quote_follows(lines, index)):
            kinds.append("quote")
            if state == "signature":
                state = "text"
            continue
        if SIGNATURE.match(line):
            state = "signature"
        if not line.strip() and kinds and kinds[-1] == "quote" and _quote_follows(lines, index):
            kinds.append("quote")  # a blank line inside a quotation stays in it
            continue
        kinds.append(state)
    parts = []
    for line, kind in zip(lines, kinds, strict=True):
        if parts and parts[-1][0] == kind:
            parts[-1][1].append(line)
        else:
            parts.append((kind, [line]))
    return [Part(kind, "\n".join(group)) for kind, group in parts]


def _quote_follows(lines, index):
    """Whether the next non-blank line after `index` is quoted."""
    for line in lines[index + 1 :]:
        if line.strip():
            return line.startswith(">")
    return False
