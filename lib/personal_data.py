"""Personal data in a text, found by patterns: phone numbers (Google's libphonenumber, through
`phonenumbers`) and e-mail addresses."""

import re

import phonenumbers

# Numbers written without a country code are read as this region's (the archive's first
# correspondence is American); numbers with "+" are read as written, whatever it is.
DEFAULT_REGION = "US"
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def phone_numbers(text, region=DEFAULT_REGION):
    """Each phone number in `text` as written there (its exact characters)."""
    return [
        match.raw_string
        for match in phonenumbers.PhoneNumberMatcher(
            text or "", region, leniency=phonenumbers.Leniency.VALID
        )
    ]


def email_addresses(text):
    return EMAIL_ADDRESS.findall(text or "")
