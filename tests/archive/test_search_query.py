"""Reading the search box: words, phrases, OR, exclusions, prefixes, dates, and bad input."""

import contextlib
from datetime import date

import pytest

from archive.search.query import MAX_LENGTH, QueryError, parse


def test_words_must_all_match():
    query = parse("leak podesta")
    assert [[t.pieces for t in g] for g in query.groups] == [[("leak",)], [("podesta",)]]


def test_a_quoted_phrase_keeps_its_words_in_order():
    (group,) = parse('"let me know"').groups
    assert group[0].pieces == ("let", "me", "know") and group[0].is_phrase


def test_or_joins_its_two_neighbours_only():
    query = parse("debate OR rally podesta")
    assert [[str(t) for t in g] for g in query.groups] == [["debate", "rally"], ["podesta"]]


def test_minus_excludes_a_word_or_a_phrase():
    query = parse('wikileaks -podesta -"let me"')
    assert [str(t) for t in query.excluded] == ["podesta", '"let me"']


def test_a_trailing_star_asks_for_a_prefix():
    (group,) = parse("elect*").groups
    assert group[0].prefix and group[0].pieces == ("elect",)


def test_punctuation_separates_words_and_is_never_an_operator():
    query = parse('@wikileaks NEAR(x) AND ^col: "a')
    assert all(all(p.isalnum() for p in t.pieces) for t in query.terms)
    assert "not closed" in query.notices[0]


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("7 Oct 2016", date(2016, 10, 7), date(2016, 10, 7)),
        ("7th October 2016", date(2016, 10, 7), date(2016, 10, 7)),
        ("October 7, 2016", date(2016, 10, 7), date(2016, 10, 7)),
        ("2016-10-07", date(2016, 10, 7), date(2016, 10, 7)),
        ("October 2016", date(2016, 10, 1), date(2016, 10, 31)),
        ("Sept 2016", date(2016, 9, 1), date(2016, 9, 30)),
        ("2016-02", date(2016, 2, 1), date(2016, 2, 29)),
        ("2016-10-03 2016-10-07", date(2016, 10, 3), date(2016, 10, 7)),
    ],
)
def test_dates_are_read_as_dates_not_words(text, first, last):
    query = parse(text)
    assert (query.dates.first, query.dates.last) == (first, last)
    assert not query.groups


def test_a_date_beside_words_narrows_them():
    query = parse("podesta 7 Oct 2016")
    assert [str(t) for t in query.terms] == ["podesta"] and query.dates.first == date(2016, 10, 7)


def test_a_quoted_date_is_a_phrase():
    query = parse('"7 Oct 2016"')
    assert query.dates is None and query.terms[0].pieces == ("7", "Oct", "2016")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31 Feb 2016", "not a date"),
        ("2016-13", "not a month"),
        ("-podesta", "Add a word"),
        ('OR OR - * ""', "Nothing to search for"),
        ("x " * (MAX_LENGTH // 2 + 1), "at most"),
        (" ".join(f"w{i}" for i in range(30)), "at most 20"),
        ("1 Oct 2016 2 Oct 2016 3 Oct 2016", "two for the span"),
    ],
)
def test_input_that_cannot_be_searched_says_why(text, message):
    with pytest.raises(QueryError, match=message):
        parse(text)


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        "-",
        "*",
        "OR",
        "AND NOT",
        "(((",
        'a"b"c',
        "\x00\u202e",
        "💥 leak",
        '-"x',
        "日本語",
    ],
)
def test_odd_input_parses_or_refuses_but_never_crashes(text):
    with contextlib.suppress(QueryError):
        parse(text)
