"""People and their accounts: the senders and recipients of every synthetic message.

A few hundred people (about one in twelve an organisation), each with a Twitter and an e-mail
account and now and then a third; how often each writes follows a power law over a shuffled
order, so the busiest are not simply the first ids. Written once, before any thread, with the ORM.
"""

from archive.models import Account, Person
from archive.synthetic.shape import LABEL, cumulative_weights


class PeopleMixin:
    """Part of SyntheticArchive: writes the people and accounts.

    Reads `rng`, `seed`, `people_count`. Sets `people` and `people_weights` (who writes, how
    often), `twitter_account` and `email_account` (person → account), `account_person` (account
    → person), `person_external_id` and `account_count`.
    """

    def _write_people_and_accounts(self):
        rng = self.rng
        people, accounts = [], []
        self.twitter_account = {}
        self.email_account = {}
        self.person_external_id = {}
        self.account_person = {}
        for pk in range(1, self.people_count + 1):
            organisation = rng.random() < 0.08
            kind = Person.Kind.ORGANISATION if organisation else Person.Kind.PERSON
            noun = "Organisation" if organisation else "Person"
            external_id = f"synthetic-{noun.lower()}-{pk:04d}"
            people.append(
                Person(
                    pk=pk,
                    external_id=external_id,
                    name=f"Synthetic {noun} {pk:04d}",
                    kind=kind,
                    description=f"A synthetic {noun.lower()}, not a real one ({LABEL}, "
                    f"seed {self.seed}).",
                )
            )
            self.person_external_id[pk] = external_id
            platforms = [Account.Platform.TWITTER, Account.Platform.EMAIL]
            if rng.random() < 0.1:
                platforms.append(Account.Platform.OTHER)
            for platform in platforms:
                account_pk = len(accounts) + 1
                handle = {
                    Account.Platform.TWITTER: f"@synthetic_{pk:04d}",
                    Account.Platform.EMAIL: f"synthetic.{noun.lower()}.{pk:04d}@example.invalid",
                    Account.Platform.OTHER: f"synthetic-{pk:04d} (forum)",
                }[platform]
                accounts.append(
                    Account(
                        pk=account_pk,
                        external_id=f"{external_id}-{platform}",
                        person_id=pk,
                        platform=platform,
                        handle=handle,
                        note="Synthetic account.",
                    )
                )
                self.account_person[account_pk] = pk
                if platform == Account.Platform.TWITTER:
                    self.twitter_account[pk] = account_pk
                elif platform == Account.Platform.EMAIL:
                    self.email_account[pk] = account_pk
        Person.objects.bulk_create(people)
        Account.objects.bulk_create(accounts)
        self.account_count = len(accounts)
        # How often each person writes: a power law over a shuffled order, so the busiest
        # people are not simply the first ids.
        order = list(range(1, self.people_count + 1))
        rng.shuffle(order)
        activity = {person: (rank + 1) ** -0.9 for rank, person in enumerate(order)}
        self.people = list(range(1, self.people_count + 1))
        self.people_weights = list(cumulative_weights(activity[p] for p in self.people))
