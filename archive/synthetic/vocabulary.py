"""The words of synthetic messages: a fixed list, ranked, and sampled like natural language.

A few hundred common English words come first, then several thousand invented ones (built from
syllables, so no list of real words is needed) and a handful of words with diacritics placed at
chosen ranks, so that a search can be tried on a very common, a middling and a rare accented word.
The list does not depend on the archive's seed: the same word is common in every synthetic archive.
The words of the labels ("synthetic", "excerpt", "summary", "note") are not in it, so a count of
a word's messages counts the generated words alone.

Frequencies follow Zipf's law (Zipf–Mandelbrot: weight 1/(rank + 2.7)^1.05) over the first
CORE_SIZE ranks, and fall off steeply after them, as the long tail of a real vocabulary does. With
texts of about 20 words this gives, at a million messages, a dozen words in more than a fifth of
the messages, thousands of words in hundreds to thousands of messages, and about a thousand words
in only a few dozen.
"""

import random
from itertools import accumulate


def _word_list(text):
    return text.split()


# Words a search engine usually ignores (PostgreSQL's English stop words include them all): a
# "common word" handed to a benchmark is never one of these.
FUNCTION_WORDS = _word_list("""
the to and we you a of for is on in this that it with be will i are not can have at
our they he she was but if so do as or from by all about just my your what when there
an up out no one them been has had would could should
""")

# Ordered by how common they are meant to be: the first ones end up in most messages.
COMMON_ENGLISH = _word_list("""
the to and meeting we you a campaign of for documents is on in this release that it with
be will call i today are not email can have press at our statement they tomorrow he she
was but if story so week do as office or draft from by team all about report just my
update your what when there an news question up out public no plan one budget them been
has had would could should source interview list schedule morning evening board friday
monday thursday tuesday wednesday weekend copy letter notes contact phone lawyer editor
reporter deadline agenda memo file folder archive record message thread reply server
account password login website link video photo picture article column headline quote
comment answer request delay review version change meeting follow check confirm send
sent received forward attached attachment brief detail details point issue problem
risk chance fact claim rumour leak source sources witness hearing committee vote poll
polls numbers figures data spreadsheet invoice payment transfer bank money cash fund
funds donor donors dinner lunch breakfast coffee hotel flight train airport car driver
city country state county district border capital embassy consulate minister ministry
council senator governor mayor official officials staff aide aides adviser advisers
director manager chair member members group network partner partners client clients
company firm office desk floor room building street road bridge park river harbour
market price cost costs deal offer contract terms draft proposal agreement policy
strategy message talking points speech debate rally event events visit trip tour
schedule calendar date time hour minute second day night year month season quarter
quarterly annual weekly daily late early soon later before after again still yet
already maybe perhaps probably certainly clearly quickly slowly quietly openly
important urgent private personal confidential secret sensitive careful simple clear
new old big small long short high low good bad right wrong true false full empty
first last next final best worst better worse major minor main local national foreign
legal political financial technical digital online offline internal external
""")

# Accented words at chosen ranks, from very common to rare, so that diacritic-insensitive
# search (café found by "cafe") can be tried at every frequency. Place names, never people.
ACCENTED_WORDS = [
    (30, "café"),
    (150, "naïve"),
    (400, "Zürich"),
    (900, "résumé"),
    (2000, "façade"),
    (3000, "Genève"),
    (3900, "déjà"),
    (4600, "Kraków"),
    (5600, "smörgåsbord"),
    (6500, "protégé"),
]

# Two-word phrases planted now and then (both words also occur on their own), so that a phrase
# search has something to find that a search for the two words alone would over-count.
PHRASES = [("quarterly", "budget"), ("press", "statement"), ("Zürich", "office")]

VOCABULARY_SIZE = 7_000
CORE_SIZE = 4_000
ZIPF_EXPONENT = 1.05
ZIPF_OFFSET = 2.7
TAIL_EXPONENT = 6.0

_ONSETS = _word_list("b br d dr f fl g gr k kl l m n p pl pr r s sk st t tr v w z sh ch")
_VOWELS = _word_list("a e i o u a e i o ai ou ea")
_CODAS = ["", "", "", "", "n", "r", "s", "l", "m", "t"]


def _invented_words(count, taken):
    """`count` pronounceable made-up words (2–3 syllables), the same every time."""
    rng = random.Random("backchannel synthetic vocabulary v1")
    words = []
    seen = set(taken)
    while len(words) < count:
        syllables = rng.choice((2, 2, 2, 3))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if 4 <= len(word) <= 10 and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _weight(rank):
    core = (rank + ZIPF_OFFSET) ** -ZIPF_EXPONENT
    if rank <= CORE_SIZE:
        return core
    edge = (CORE_SIZE + ZIPF_OFFSET) ** -ZIPF_EXPONENT
    return edge * (rank / CORE_SIZE) ** -TAIL_EXPONENT


class Vocabulary:
    """The ranked word list, and a sampler of word indices for one text at a time."""

    def __init__(self):
        english = list(dict.fromkeys(COMMON_ENGLISH))  # each word once, first place kept
        accented = [word for _, word in ACCENTED_WORDS]
        invented = _invented_words(
            VOCABULARY_SIZE - len(english) - len(accented), english + accented
        )
        words = english + invented
        for rank, word in ACCENTED_WORDS:
            words.insert(rank - 1, word)
        self.words = words
        self.index = {word: i for i, word in enumerate(words)}
        self.function_words = set(FUNCTION_WORDS)
        self.phrases = PHRASES
        self._cum_weights = list(accumulate(_weight(rank) for rank in range(1, len(words) + 1)))

    def sample(self, rng, count):
        """`count` words drawn independently by Zipf weight."""
        return rng.choices(self.words, cum_weights=self._cum_weights, k=count)
