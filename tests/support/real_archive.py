"""The real archive (fixtures/archive.json) for the tests that read it: loaded once per module.

Most tests build what they need in code and start from an empty database. A module whose tests
read the real records asks for `archive`: the first such test loads the fixtures inside a
transaction that spans the rest of the module, every test then runs in a savepoint rolled back
after it, and the module's transaction is rolled back after its last test, so the next module
finds the database empty again. Within a module, the tests that do not ask for `archive` are run
first (`order_archive_tests_last`), and a test that would see the archive without asking for it
fails rather than pass on data it did not expect.

Browser tests need the records committed (the live server reads them from another connection):
`committed_archive` loads them for each test, in its own transaction flushed afterwards. A
module of journeys that only read asks for `shared_archive` instead (through
tests/browser's `reading_page`): committed once for the module, flushed after its last test.
Each test runs in a transaction rolled back after it; what a live server commits on its own
connection (PostgreSQL: a session, a rate-limit counter) stays until the module ends. No test
of such a module may be transactional: its flush would empty the archive under the others.
"""

from io import StringIO

import pytest


def load_real_archive(*paths):
    """The project's own loader, as `make run` calls it; quiet. Returns what it printed."""
    from django.core.management import call_command

    out = StringIO()
    call_command("load_archive", *map(str, paths), stdout=out)
    return out.getvalue()


# The module whose archive is loaded on this worker right now, if any.
_loaded_in = {"module": None}


@pytest.fixture(scope="module")
def _archive_for_module(request, django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_real_archive()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    _loaded_in["module"] = request.module.__name__
    yield
    _loaded_in["module"] = None
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def archive(request, _archive_for_module, db):
    """The real archive, loaded once for this module; each test's changes are rolled back."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        pytest.fail(
            "`archive` is for tests in a transaction; a live server needs committed_archive"
        )


@pytest.fixture
def committed_archive(transactional_db):
    """The real archive, committed (a live server reads it); flushed after the test."""
    load_real_archive()


@pytest.fixture(scope="module")
def _shared_archive_for_module(request, django_db_setup, django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        load_real_archive()
    yield
    with django_db_blocker.unblock():
        # As a transactional test's teardown empties the database.
        call_command("flush", verbosity=0, interactive=False)


@pytest.fixture
def shared_archive(request, _shared_archive_for_module, db):
    """The real archive, committed once for this module (see the module's docstring); each
    test runs in a transaction rolled back after it, as with `db`."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        pytest.fail("`shared_archive` serves reading tests; a transactional one would flush it")


@pytest.fixture(autouse=True)
def _no_archive_unasked(request):
    module = _loaded_in["module"]
    if module is not None and "_archive_for_module" not in request.fixturenames:
        pytest.fail(
            f"the real archive is loaded for {module}, but this test did not ask for `archive`"
        )


def order_archive_tests_last(items):
    """Within each module, the tests that read the real archive after those that do not."""
    first_of_module = {}
    for index, item in enumerate(items):
        first_of_module.setdefault(item.nodeid.split("::")[0], index)

    def key(indexed):
        index, item = indexed
        reads = "_archive_for_module" in getattr(item, "fixturenames", ())
        return (first_of_module[item.nodeid.split("::")[0]], reads, index)

    items[:] = [item for _, item in sorted(enumerate(items), key=key)]
