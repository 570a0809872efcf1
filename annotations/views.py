from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from archive.models import Event, Message
from lib.counting import bounded_count
from lib.keyset import KeysetPaginator
from lib.rate_limits import within_rate

from .exports import NOTE_FORMATS, notes_response
from .feeds import feed_for_list
from .filters import AnnotationFilter
from .forms import AnnotationForm, FlagForm, SourceLinkFormSet, forms_are_valid
from .models import Annotation, Flag, changed_parts

ANNOTATIONS_PER_PAGE = 50


def _save_new(request, form, links):
    with transaction.atomic():
        annotation = form.save(commit=False)
        annotation.modified = timezone.now()
        annotation.save()
        links.instance = annotation
        links.save()
        annotation.record_revision(request.user)
    return annotation


class EditRefused(Exception):
    """The note changed, or was deleted or hidden, after the edit form was made."""


def _save_edit(request, form, links):
    """Save an edit if the note is still as the form saw it; raise EditRefused otherwise."""
    annotation = form.instance  # the form has put the edit on it
    try:
        with transaction.atomic():
            if not annotation.save_edit(form.changed_columns(), form.cleaned_data.get("version")):
                raise EditRefused
            links.save()
            annotation.record_revision(request.user)
    except IntegrityError as error:
        # A unique rule (a source address) broken by a save committed meanwhile: the same
        # answer as any other concurrent change, with nothing saved.
        raise EditRefused from error


def _refused_edit(request, annotation, form=None, links=None):
    """The edit form again, with the user's text and why it was not saved (409).

    If someone else's edit was saved meanwhile, it is shown beside the user's, and the form now
    carries its version, so saving again (after merging) replaces it knowingly.
    """
    current = (
        Annotation.objects.select_related("group")
        .prefetch_related("links")
        .filter(pk=annotation.pk)
        .first()
    )
    context = {"target": annotation.target, "annotation": annotation}
    data = request.POST.copy()
    if current is None or not current.is_alive:
        context["gone"] = "hidden by the curators" if current and current.is_hidden else "deleted"
    else:
        context["conflict"] = current
        context["conflict_revision"] = (
            current.revisions.select_related("editor").order_by("-created", "-pk").first()
        )
        data["version"] = current.version
    if form is None:
        form = AnnotationForm(data, instance=annotation, user=request.user)
        links = SourceLinkFormSet(data, instance=annotation, prefix="links")
    else:
        # The user's forms as they were checked, now carrying the version to save over.
        form.data = data
    context.update(form=form, links=links)
    return render(request, "annotations/annotation_form.html", context, status=409)


def _annotate(request, target, **target_field):
    """Shared body of the two create views: one target, one form, one redirect."""
    annotation = Annotation(author=request.user, **target_field)
    form = AnnotationForm(request.POST or None, instance=annotation, user=request.user)
    links = SourceLinkFormSet(request.POST or None, instance=annotation, prefix="links")
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and forms_are_valid(form, links):
        if within_rate("note_create", request.user.pk):
            annotation = _save_new(request, form, links)
            messages.success(request, "Your note is saved.")
            return redirect(annotation.target_url)
        # Refused, not lost: the form comes back with the user's text to save a little later.
        form.add_error(
            None,
            "You have written many notes in the last few minutes. Your note is not saved yet: "
            "please wait a few minutes, then save it again.",
        )
        status = 429
    return render(
        request,
        "annotations/annotation_form.html",
        {"form": form, "links": links, "target": target, "is_new": True},
        status=status,
    )


@login_required
def annotate_message(request, external_id):
    """Signed-in researchers: annotate a published message (GET shows the form, POST saves)."""
    message = get_object_or_404(Message.objects.public(), external_id=external_id)
    return _annotate(request, message, message=message)


@login_required
def annotate_event(request, slug):
    """Signed-in researchers: annotate a published event."""
    event = get_object_or_404(Event.objects.public(), slug=slug)
    return _annotate(request, event, event=event)


def annotation_detail(request, uuid):
    """Anyone who may see it: one annotation's permalink; others get 404."""
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).for_list(), uuid=uuid
    )
    return render(
        request,
        "annotations/annotation_detail.html",
        {"annotation": annotation, "flag_form": FlagForm()},
    )


@login_required
def annotation_edit(request, uuid):
    """The author only: edit a note; every save is kept as a revision; a stale form conflicts."""
    notes = Annotation.objects.select_related("message", "event")
    if request.method != "POST":
        annotation = get_object_or_404(notes.editable_by(request.user), uuid=uuid)
    else:
        # A save may arrive after the note was deleted or hidden: the author then gets their
        # text back with the reason, not a bare 404.
        annotation = get_object_or_404(notes.filter(author=request.user), uuid=uuid)
        if not annotation.is_editable_by(request.user):
            return _refused_edit(request, annotation)
    form = AnnotationForm(request.POST or None, instance=annotation, user=request.user)
    links = SourceLinkFormSet(request.POST or None, instance=annotation, prefix="links")
    if request.method == "POST" and forms_are_valid(form, links):
        try:
            _save_edit(request, form, links)
        except EditRefused:
            return _refused_edit(request, annotation, form, links)
        messages.success(request, "Your changes are saved; the earlier version is in the history.")
        return redirect(annotation.target_url)
    return render(
        request,
        "annotations/annotation_form.html",
        {"form": form, "links": links, "target": annotation.target, "annotation": annotation},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def annotation_delete(request, uuid):
    """The author only: GET asks for confirmation, POST deletes (softly: curators can restore)."""
    annotation = get_object_or_404(
        Annotation.objects.editable_by(request.user).select_related("message", "event"),
        uuid=uuid,
    )
    if request.method == "POST":
        # Only the deletion is written: nothing read here can undo a change made meanwhile.
        if annotation.soft_delete():
            messages.success(request, "Your note is deleted.")
        else:
            messages.info(request, "Your note was already deleted.")
        return redirect(annotation.target.get_absolute_url())
    return render(request, "annotations/annotation_confirm_delete.html", {"annotation": annotation})


def annotation_history(request, uuid):
    """Anyone who may see the annotation: the saved versions they could read, newest first.

    A version is shown to those who could read it when it was written (AnnotationRevision's
    rule): a note shared more widely later does not open its earlier, narrower versions.
    """
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).select_related("message", "event", "author"),
        uuid=uuid,
    )
    revisions = annotation.revisions.order_by("-created", "-pk")
    shown_ids = set(revisions.visible_to(request.user).values_list("pk", flat=True))
    shown, not_shown = [], 0
    # Oldest first, so each shown version is compared with the last version this reader may see:
    # a diff against a version they may not see would tell them what it said.
    for number, revision in enumerate(list(revisions.select_related("editor"))[::-1], 1):
        revision.number = number  # its place among all versions, shown or not
        if revision.pk not in shown_ids:
            not_shown += 1
            continue
        revision.is_first = not shown and not not_shown
        revision.not_shown_before = not_shown
        revision.changes = changed_parts(shown[-1].snapshot, revision.snapshot) if shown else None
        shown.append(revision)
        not_shown = 0
    return render(
        request,
        "annotations/annotation_history.html",
        {
            "annotation": annotation,
            "revisions": shown[::-1],
            "not_shown_count": sum(r.not_shown_before for r in shown) + not_shown,
        },
    )


@require_POST
@login_required
def annotation_flag(request, uuid):
    """Signed-in users who can see the annotation: report it to the curators (POST only)."""
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).select_related("message", "event"),
        uuid=uuid,
    )
    form = FlagForm(request.POST)
    already_reported = "You have already reported this note; a curator will look at it."
    status = 400
    if form.is_valid():
        if Flag.objects.open().filter(annotation=annotation, reporter=request.user).exists():
            messages.info(request, already_reported)
            return redirect(annotation.get_absolute_url())
        if within_rate("flag_create", request.user.pk):
            flag = form.save(commit=False)
            flag.annotation = annotation
            flag.reporter = request.user
            try:
                with transaction.atomic():
                    flag.save()
            except IntegrityError:
                # flag_one_open_per_reporter: the same report sent twice at once.
                messages.info(request, already_reported)
            else:
                messages.success(request, "Thank you: a curator will look at this note.")
            return redirect(annotation.get_absolute_url())
        form.add_error(
            None,
            "You have sent many reports in the last hour. Your report is not sent yet: "
            "please try again later.",
        )
        status = 429
    return render(
        request,
        "annotations/annotation_flag.html",
        {"annotation": annotation, "form": form},
        status=status,
    )


def annotation_list(request):
    """Anyone: the annotations they may see, filtered; ?mine for one's own; ?format=csv, json,
    jsonld (W3C) or markdown downloads the filtered set."""
    annotations = Annotation.objects.visible_to(request.user).for_list().order_by("-created", "-pk")
    mine = "mine" in request.GET and request.user.is_authenticated
    if mine:
        annotations = annotations.filter(author=request.user)
    annotation_filter = AnnotationFilter(request.GET, queryset=annotations, request=request)
    export_format = request.GET.get("format")
    if export_format in NOTE_FORMATS:
        # The same FilterSet over the same visible notes, read for a file (annotations/exports.py).
        visible = Annotation.objects.visible_to(request.user)
        if mine:
            visible = visible.filter(author=request.user)
        to_export = AnnotationFilter(request.GET, queryset=visible, request=request)
        return notes_response(request, to_export, export_format, mine=mine)
    page = KeysetPaginator(annotation_filter.qs, ANNOTATIONS_PER_PAGE).page(
        request.GET.get("cursor")
    )
    return render(
        request,
        "annotations/annotation_list.html",
        {
            "filter": annotation_filter,
            "page": page,
            "count": bounded_count(annotation_filter.qs),
            "mine": mine,
            # One's own notes include private ones: no public feed stands for that list.
            "feed": None if mine else feed_for_list(annotation_filter),
        },
    )
