"""The admin's imports, run in the background (django-tasks; `manage.py db_worker` runs them).

An upload waits in its pending folder (`pending_root() / upload.token`) while `run_upload`
checks it (a dry run) and, once the curator confirms, imports it. Each step is one task; the
upload's row says where it is (queued, running, done, failed) for its status page.
"""

import json
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from archive.importing.importer import import_path
from archive.importing.items import FileRefused
from archive.models import ImportUpload

PENDING_DIR_NAME = "backchannel-pending-imports"
PENDING_HOURS = 24


def pending_root():
    """Where uploads wait for their tasks (IMPORT_PENDING_DIR: the web server and the worker
    must both reach it); uploads left unconfirmed for a day are removed whenever someone opens
    the import page."""
    root = Path(settings.IMPORT_PENDING_DIR or Path(tempfile.gettempdir()) / PENDING_DIR_NAME)
    root.mkdir(parents=True, exist_ok=True)
    return root


def remove_stale_uploads():
    cutoff = time.time() - PENDING_HOURS * 3600
    for folder in pending_root().iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


PROGRESS_FILE = "progress.json"


def write_progress(folder, done, total):
    """How far the running step has read, for its status page: a small file beside the upload
    (the import's own transaction holds the database until it ends)."""
    target = folder / PROGRESS_FILE
    temporary = folder / f".{PROGRESS_FILE}"
    temporary.write_text(json.dumps({"done": done, "total": total}))
    temporary.replace(target)


def read_progress(upload):
    """{"done": n, "total": m or None} while a step runs, or None."""
    try:
        data = json.loads((pending_root() / upload.token / PROGRESS_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("done"), int):
        return None
    total = data.get("total") if isinstance(data.get("total"), int) else None
    percent = min(100, round(100 * data["done"] / total)) if total else None
    return {"done": data["done"], "total": total, "percent": percent}


def queue(upload):
    """Hand the upload's next step to the worker."""
    result = run_upload.enqueue(upload.pk)
    ImportUpload.objects.filter(pk=upload.pk).update(task_id=str(result.id))


@task()
def run_upload(upload_id):
    """Run the step an upload is queued for. The upload is claimed by one conditional update,
    so a second run of the same task (or a second worker) finds nothing queued and does nothing:
    a confirmed upload is imported once."""
    claimed = ImportUpload.objects.filter(pk=upload_id, status=ImportUpload.Status.QUEUED).update(
        status=ImportUpload.Status.RUNNING, started=timezone.now()
    )
    if not claimed:
        return {"upload": upload_id, "ran": False}
    upload = ImportUpload.objects.get(pk=upload_id)
    folder = pending_root() / upload.token
    (folder / PROGRESS_FILE).unlink(missing_ok=True)  # the step before's
    dry_run = upload.step == ImportUpload.Step.DRY_RUN
    try:
        if not (folder / upload.file_name).is_file():
            raise FileRefused("the upload is no longer waiting (over a day old): upload it again.")
        # The import and the row that says it is done commit together (and only then are its
        # attachment files moved into place).
        with transaction.atomic():
            result = import_path(
                folder / upload.file_name,
                progress=lambda done, total: write_progress(folder, done, total),
                format=upload.format or None,
                thread=upload.thread or None,
                collection=upload.collection or None,
                dry_run=dry_run,
                publish=upload.publish,
                skip_invalid=upload.skip_invalid,
                user=upload.uploaded_by,
            )
            upload.record_result(result)
    except FileRefused as error:
        upload.record_failure(f"Nothing can be imported from this file: {error}")
    except BaseException as error:
        # Also a worker told to stop (SystemExit): the transaction was rolled back.
        upload.record_failure(
            f"The {upload.get_step_display().lower()} stopped with an error; nothing was "
            f"imported. {type(error).__name__}: {error}"
        )
        raise
    finally:
        if not (dry_run and upload.can_be_confirmed):
            shutil.rmtree(folder, ignore_errors=True)
    return {"upload": upload_id, "ran": True, "status": upload.status}
