"""Every shape of note we serialise passes the W3C Web Annotation Data Model test suite's MUST
assertions (tests/data/w3c-annotation-model), alone and inside collections and pages; the SHOULD
and MAY assertions are reported (`-rP` shows them) and the ones we mean to meet are held."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser

from annotations.models import Annotation
from annotations.w3c import jsonld
from tests.support import w3c_suite
from tests.support.annotation_helpers import make_every_shape

pytestmark = pytest.mark.django_db

BASE = "https://archive.example.org"
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.fixture
def shapes(build, users):
    return make_every_shape(build, users)


SHAPES = [
    "whole message",
    "event",
    "quote",
    "tags only",
    "private",
    "group",
    "questioning",
    "correcting",
    "corroborating",
    "links",
    "edited",
    "orphaned",
    "hidden (as its author reads it)",
    "imported with canonical and via",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_of_note_passes_every_must_of_the_w3c_suite(shapes, shape):
    document = jsonld.annotation_to_jsonld(shapes[shape], BASE)
    assert w3c_suite.failed_musts(document, "annotations/annotationMusts.test") == []


@pytest.mark.parametrize("shape", SHAPES)
def test_times_are_utc_written_with_z_and_the_id_is_our_container_iri(shapes, shape):
    document = jsonld.annotation_to_jsonld(shapes[shape], BASE)
    assert UTC_Z.match(document["created"]) and UTC_Z.match(document["modified"])
    assert document["id"] == f"{BASE}/api/annotations/{shapes[shape].uuid}"


def test_the_shoulds_we_mean_to_meet_hold_and_all_are_reported(shapes, capsys):
    document = jsonld.annotation_to_jsonld(shapes["links"], BASE)
    outcomes = {
        o.assertion: o for o in w3c_suite.check(document, "annotations/annotationOptionals.test")
    }
    for held in [
        "annotations/3.3.1-annotationCreatedImplemented.json",
        "annotations/3.3.1-annotationModifiedImplemented.json",
        "annotations/3.3.1-annotationSingleCreatorImplemented.json",
        "annotations/3.3.5-annotationSingleMotivationImplemented.json",
        "annotations/3.3.5-annotationMotivationImplemented.json",
        "annotations/3.3.7-annotationCanonicalImplemented.json",
        "annotations/3.1-bodyKeyFound.json",
    ]:
        assert outcomes[held].passed, held
    agents = w3c_suite.check(document, "annotations/annotationsAgentOptionals.test")
    for outcome in [*outcomes.values(), *agents]:
        verdict = "pass" if outcome.passed else "not met"
        print(f"{outcome.level.upper():6} {verdict}  {outcome.assertion}")


def test_a_quote_is_a_text_quote_and_a_text_position_selector_on_the_permalink(shapes):
    note = shapes["quote"]
    target = jsonld.annotation_to_jsonld(note, BASE)["target"]
    assert target["source"] == BASE + note.message.get_absolute_url()
    quote, position = target["selector"]
    assert quote == {
        "type": "TextQuoteSelector",
        "exact": "disseminate a link",
        "prefix": note.quote_prefix,
        "suffix": note.quote_suffix,
    }
    text = note.message.text
    assert text[position["start"] : position["end"]] == "disseminate a link"


def test_bodies_carry_markdown_tags_and_links_with_their_archived_copy(shapes):
    bodies = jsonld.annotation_to_jsonld(shapes["links"], BASE)["body"]
    assert bodies[0] == {
        "type": "TextualBody",
        "value": "See both.",
        "format": "text/markdown",
        "purpose": "commenting",
    }
    story, bare = bodies[1], bodies[2]
    assert story["source"]["id"] == "https://example.org/story"
    assert story["state"] == {
        "type": "TimeState",
        "cached": "https://web.archive.org/web/2017/https://example.org/story",
        "sourceDate": "2017-11-14T00:00:00Z",
    }
    assert bare == {
        "type": "SpecificResource",
        "purpose": "linking",
        "source": {"id": "https://example.org/bare"},
    }
    tags = jsonld.annotation_to_jsonld(shapes["tags only"], BASE)["body"]
    assert tags == [
        {"type": "TextualBody", "value": "podesta", "purpose": "tagging"},
        {"type": "TextualBody", "value": "dates", "purpose": "tagging"},
    ]


def test_our_motivations_map_to_w3c_ones_and_ours_is_kept(shapes):
    for shape, w3c_name in [("correcting", "editing"), ("corroborating", "assessing")]:
        document = jsonld.annotation_to_jsonld(shapes[shape], BASE)
        assert document["motivation"] == w3c_name
        assert document["bc:motivation"] == shape


def test_a_collection_of_every_shape_passes_the_collection_and_page_musts(shapes):
    collection = jsonld.collection_to_jsonld(shapes.values(), BASE, f"{BASE}/exports/notes")
    assert w3c_suite.failed_musts(collection, "collections/collectionMusts.test") == []
    page = {
        "@context": jsonld.ANNO_CONTEXT,
        **collection["first"],
        "partOf": {"id": collection["id"], "total": collection["total"]},
    }
    assert w3c_suite.failed_musts(page, "collections/pages/pageMusts.test") == []
    for item in collection["first"]["items"]:
        item = {"@context": jsonld.ANNO_CONTEXT, **item}
        assert w3c_suite.failed_musts(item, "annotations/annotationMusts.test") == []


def test_the_suite_is_not_a_rubber_stamp(shapes):
    """A broken annotation fails the MUSTs: the checks above can fail."""
    document = jsonld.annotation_to_jsonld(shapes["quote"], BASE)
    del document["target"]
    document["created"] = "yesterday"
    document["@context"] = "http://example.org/other"
    failed = w3c_suite.failed_musts(document, "annotations/annotationMusts.test")
    assert "annotations/3.1-annotationContextValidated.json" in failed
    assert "annotations/3.1-targetKeyFound.json" in failed
    assert "annotations/3.3.1-annotationCreatedValidated.json" in failed


def test_anonymous_visibility_rule_is_the_one_the_serialiser_is_fed(shapes):
    """The serialiser shows what it is given: who may read what is visible_to's job."""
    public = set(Annotation.objects.visible_to(AnonymousUser()).values_list("pk", flat=True))
    assert shapes["private"].pk not in public and shapes["group"].pk not in public
    assert shapes["hidden (as its author reads it)"].pk not in public
