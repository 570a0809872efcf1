"""Citation downloads parse as reference managers read them, for every kind of record.

BibTeX is read back with pybtex (names split into parts, fields unescaped by brace counting);
CSL-JSON is read as JSON. Records are built in code for each kind; one test runs every record of
the real fixtures through the parser.
"""

import json
from datetime import date

import pytest
from pybtex.database import parse_string

from archive.models import Event, Message, Person, Source


def parse_bibtex(client, url):
    response = client.get(url)
    assert response.status_code == 200
    bibliography = parse_string(response.content.decode(), "bibtex")
    assert len(bibliography.entries) == 1
    return next(iter(bibliography.entries.values()))


def csl_item(client, url):
    response = client.get(url)
    assert response.status_code == 200
    (item,) = json.loads(response.content)
    return item


def names(entry, role="author"):
    return [
        (
            " ".join(person.first_names + person.middle_names),
            " ".join(person.prelast_names + person.last_names),
            " ".join(person.lineage_names),
        )
        for person in entry.persons.get(role, [])
    ]


@pytest.fixture
def people(build):
    junior = build.person("Donald Trump Jr.", external_id="junior")
    return {
        "junior": junior,
        "wikileaks": build.person("WikiLeaks", kind=Person.Kind.ORGANISATION),
        "bannon": build.person("Steve Bannon"),
        "beethoven": build.person("Ludwig van Beethoven"),
        "junior_twitter": build.account(junior, "@DonaldJTrumpJr"),
        "junior_email": build.account(junior, "", platform="email"),
    }


def dm(build, people, **fields):
    return build.message(
        sender=build.account(people["wikileaks"], "@wikileaks"),
        recipients=[people["junior_twitter"]],
        **fields,
    )


@pytest.mark.parametrize(
    ("earliest", "latest", "date_field", "year"),
    [
        (date(2016, 10, 3), date(2016, 10, 3), "2016-10-03", "2016"),
        (date(2016, 11, 8), date(2016, 11, 9), "2016-11-08/2016-11-09", "2016"),
        (date(2016, 12, 30), date(2017, 1, 2), "2016-12-30/2017-01-02", "2016--2017"),
        (date(2016, 9, 20), None, "2016-09-20/", "2016"),
        (None, date(2016, 9, 20), "/2016-09-20", "2016"),
    ],
)
def test_a_dated_message_has_a_year_and_a_biblatex_date(
    client, build, people, earliest, latest, date_field, year
):
    message = dm(build, people, date_earliest=earliest, date_latest=latest)
    entry = parse_bibtex(client, f"/messages/{message.external_id}/cite.bib")
    assert entry.fields["date"] == date_field
    assert entry.fields["year"] == year


def test_an_undated_message_claims_no_date(client, build, people):
    message = dm(build, people, date_earliest=None, date_latest=None)
    entry = parse_bibtex(client, f"/messages/{message.external_id}/cite.bib")
    assert "date" not in entry.fields and "year" not in entry.fields
    assert entry.fields["note"].startswith("date unknown")
    assert "issued" not in csl_item(client, f"/messages/{message.external_id}/cite.json")


@pytest.mark.parametrize(
    ("earliest", "latest", "issued"),
    [
        (date(2016, 10, 3), date(2016, 10, 3), {"date-parts": [[2016, 10, 3]]}),
        (
            date(2016, 11, 8),
            date(2016, 11, 9),
            {"date-parts": [[2016, 11, 8], [2016, 11, 9]]},
        ),
        # An open range is not a day: it is given in words, never as a false exact date.
        (date(2016, 9, 20), None, {"literal": "on or after 20 Sep 2016"}),
    ],
)
def test_csl_json_dates_keep_their_precision(client, build, people, earliest, latest, issued):
    message = dm(build, people, date_earliest=earliest, date_latest=latest)
    assert csl_item(client, f"/messages/{message.external_id}/cite.json")["issued"] == issued


def test_a_person_is_split_into_name_parts_and_an_organisation_kept_whole(client, build, people):
    from_org = dm(build, people)
    entry = parse_bibtex(client, f"/messages/{from_org.external_id}/cite.bib")
    assert names(entry) == [("", "{WikiLeaks}", "")]
    assert entry.fields["title"] == "Direct message from {@wikileaks} to {@DonaldJTrumpJr}"

    from_person = build.message(sender=people["junior_twitter"], recipients=[])
    entry = parse_bibtex(client, f"/messages/{from_person.external_id}/cite.bib")
    assert names(entry) == [("Donald", "Trump", "Jr.")]
    with_particle = build.message(sender=build.account(people["beethoven"], ""))
    entry = parse_bibtex(client, f"/messages/{with_particle.external_id}/cite.bib")
    assert names(entry) == [("Ludwig", "van Beethoven", "")]
    assert entry.persons["author"][0].prelast_names == ["van"]


def test_an_email_title_names_each_account_once_and_csl_gives_its_recipients(client, build, people):
    email = build.message(
        channel=Message.Channel.EMAIL,
        sender=people["junior_email"],
        recipients=[
            build.account(people["bannon"], "", platform="email"),
            build.account(people["wikileaks"], "", platform="email"),
        ],
    )
    entry = parse_bibtex(client, f"/messages/{email.external_id}/cite.bib")
    title = entry.fields["title"]
    assert title == "E-mail from {Donald Trump Jr.} to {Steve Bannon}, {WikiLeaks}"
    assert "(E-mail)" not in title
    item = csl_item(client, f"/messages/{email.external_id}/cite.json")
    assert item["title"] == "E-mail from Donald Trump Jr. to Steve Bannon, WikiLeaks"
    assert item["author"] == [{"family": "Trump", "given": "Donald", "suffix": "Jr."}]
    assert item["recipient"] == [{"family": "Bannon", "given": "Steve"}, {"literal": "WikiLeaks"}]
    page = client.get(email.get_absolute_url()).content.decode()
    assert "E-mail from Donald Trump Jr. to Steve Bannon, WikiLeaks." in page


def test_bibtex_special_characters_are_escaped_and_the_entry_still_parses(client, build):
    source = build.source(
        publisher="AT&T {News} 100%",
        title="Costs $5 #1 on_line ~ ^ back\\slash {unbalanced",
        url="https://example.org/a_b%20c#frag",
        published_on=date(2017, 11, 13),
    )
    entry = parse_bibtex(client, f"/sources/{source.external_id}/cite.bib")
    assert names(entry) == [("", r"{AT\&T \textbraceleft{}News\textbraceright{} 100\%}", "")]
    assert entry.fields["title"] == (
        r"Costs \$5 {\#1} on\_line \textasciitilde{} \textasciicircum{} "
        r"back\textbackslash{}slash \textbraceleft{}unbalanced"
    )
    assert entry.fields["url"] == "https://example.org/a_b%20c#frag"
    assert entry.fields["date"] == "2017-11-13" and entry.fields["year"] == "2017"


def test_a_source_known_to_the_month_cites_its_month(client, build):
    source = build.source(date_text="2017-11 (day not shown)", published_on=None)
    entry = parse_bibtex(client, f"/sources/{source.external_id}/cite.bib")
    assert entry.fields["date"] == "2017-11" and entry.fields["year"] == "2017"
    assert csl_item(client, f"/sources/{source.external_id}/cite.json")["issued"] == {
        "date-parts": [[2017, 11]]
    }
    undated = build.source(date_text="date not shown", published_on=None)
    assert "year" not in parse_bibtex(client, f"/sources/{undated.external_id}/cite.bib").fields


def test_an_event_is_cited_with_the_archive_as_author_and_its_date_range(client, build):
    event = Event.objects.create(
        external_id="e99",
        title="Trump Jr.'s DMs handed to congressional investigators",
        description="…",
        date_earliest=date(2017, 9, 1),
        date_latest=date(2017, 9, 30),
    )
    entry = parse_bibtex(client, f"{event.get_absolute_url()}cite.bib")
    assert names(entry) == [("", "{Backchannel}", "")]
    assert entry.fields["title"] == "Trump {Jr.'s DMs} handed to congressional investigators"
    assert entry.fields["date"] == "2017-09-01/2017-09-30" and entry.fields["year"] == "2017"


def test_every_published_record_of_the_archive_cites_cleanly(client, archive):
    urls = [m.get_absolute_url() for m in Message.objects.public()]
    urls += [e.get_absolute_url() for e in Event.objects.public()]
    urls += [s.get_absolute_url() for s in Source.objects.all()]
    for url in urls:
        entry = parse_bibtex(client, f"{url}cite.bib")
        assert entry.persons["author"], url
        item = csl_item(client, f"{url}cite.json")
        assert "(E-mail)" not in item["title"] and "(E-mail)" not in entry.fields["title"], url
    m03 = parse_bibtex(client, "/messages/m03/cite.bib")
    assert (m03.fields["date"], m03.fields["year"]) == ("2016-09-20/2016-09-21", "2016")
    assert names(m03) == [("Donald", "Trump", "Jr.")]
    assert parse_bibtex(client, "/messages/m11/cite.bib").fields["date"] == "2016-11-08/2016-11-09"
