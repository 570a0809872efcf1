"""Personal data in a text, found by patterns, for the curators' review before publishing:
phone numbers (Google's libphonenumber, through `phonenumbers`), e-mail addresses, IBANs and
payment card numbers (each only when its checksum holds), national id numbers (US Social
Security, UK National Insurance), postal addresses (a street line, a UK postcode, a US state
and ZIP code) and the curators' own lexicon of sensitive terms (as ePADD's lexicons).

Each finder returns (kind, start, end) spans of the text; `find` gives them all, in order.
"""

import re

import phonenumbers

# Numbers written without a country code are read as this region's (the archive's first
# correspondence is American); numbers with "+" are read as written, whatever it is.
DEFAULT_REGION = "US"
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
US_SSN = re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b")
UK_NINO = re.compile(r"\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z]"
                     r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")  # fmt: skip
STREET = re.compile(
    r"\b\d{1,5}(?:[ ][A-Z][a-z]+){1,4}[ ](?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|"
    r"Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|Terrace|Way|Close|Crescent)\b\.?"
)
UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
US_STATE_ZIP = re.compile(
    r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|"
    r"S[CD]|T[NX]|UT|V[AT]|W[AIVY]) \d{5}(?:-\d{4})?\b"
)
KINDS = {
    "phone": "phone number",
    "email": "e-mail address",
    "iban": "IBAN",
    "card": "payment card number",
    "national_id": "national id number",
    "address": "postal address",
    "lexicon": "sensitive term",
}


def phone_numbers(text, region=DEFAULT_REGION):
    """Each phone number in `text` as written there (its exact characters)."""
    return [text[start:end] for _, start, end in _phones(text or "", region)]


def email_addresses(text):
    return EMAIL_ADDRESS.findall(text or "")


def _phones(text, region=DEFAULT_REGION):
    matcher = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
    return [("phone", match.start, match.end) for match in matcher]


def _spans(kind, pattern, text, valid=None):
    return [
        (kind, match.start(), match.end())
        for match in pattern.finditer(text)
        if valid is None or valid(match[0])
    ]


def iban_is_valid(value):
    """ISO 13616: the country and check digits moved to the end, letters as numbers, mod 97."""
    compact = value.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def luhn_is_valid(value):
    digits = [int(char) for char in value if char.isdigit()]
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def lexicon_spans(text, terms):
    """Where each of the curators' terms occurs, as a whole word, in any case."""
    if not terms:
        return []
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
        + r")(?!\w)",
        re.IGNORECASE,
    )
    return _spans("lexicon", pattern, text)


def find(text, terms=()):
    """Every (kind, start, end) of likely personal data in `text`, in order; where two overlap
    (a card number a phone pattern also reads) the one found by the stricter check stays."""
    text = text or ""
    spans = [
        *_spans("iban", IBAN, text, iban_is_valid),
        *_spans("card", CARD, text, luhn_is_valid),
        *_spans("national_id", US_SSN, text),
        *_spans("national_id", UK_NINO, text),
        *_spans("email", EMAIL_ADDRESS, text),
        *_phones(text),
        *_spans("address", STREET, text),
        *_spans("address", UK_POSTCODE, text),
        *_spans("address", US_STATE_ZIP, text),
        *lexicon_spans(text, terms),
    ]
    kept = []
    for span in spans:  # earlier kinds (stricter checks) win overlaps
        if not any(span[1] < other[2] and other[1] < span[2] for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda span: span[1])
