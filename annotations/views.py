from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from archive.models import Event, Message

from .filters import AnnotationFilter
from .forms import AnnotationForm, FlagForm, SourceLinkFormSet, forms_are_valid
from .models import Annotation, Flag, changed_parts
from .throttling import within_rate

ANNOTATIONS_PER_PAGE = 50


def _save_new_or_edited(request, form, links):
    with transaction.atomic():
        annotation = form.save(commit=False)
        annotation.modified = timezone.now()
        annotation.save()
        links.instance = annotation
        links.save()
        annotation.record_revision(request.user)
    return annotation


def _annotate(request, target, **target_field):
    """Shared body of the two create views: one target, one form, one redirect."""
    annotation = Annotation(author=request.user, **target_field)
    form = AnnotationForm(request.POST or None, instance=annotation, user=request.user)
    links = SourceLinkFormSet(request.POST or None, instance=annotation, prefix="links")
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and forms_are_valid(form, links):
        if within_rate("note_create", request.user.pk):
            annotation = _save_new_or_edited(request, form, links)
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
    message = get_object_or_404(Message.objects.published(), external_id=external_id)
    return _annotate(request, message, message=message)


@login_required
def annotate_event(request, slug):
    """Signed-in researchers: annotate a published event."""
    event = get_object_or_404(Event.objects.published(), slug=slug)
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
    """The author only: edit a note; every save is kept as a revision."""
    annotation = get_object_or_404(
        Annotation.objects.editable_by(request.user).select_related("message", "event"),
        uuid=uuid,
    )
    form = AnnotationForm(request.POST or None, instance=annotation, user=request.user)
    links = SourceLinkFormSet(request.POST or None, instance=annotation, prefix="links")
    if request.method == "POST" and forms_are_valid(form, links):
        annotation = _save_new_or_edited(request, form, links)
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
        annotation.deleted_at = timezone.now()
        annotation.save(update_fields=["deleted_at"])
        messages.success(request, "Your note is deleted.")
        return redirect(annotation.target.get_absolute_url())
    return render(request, "annotations/annotation_confirm_delete.html", {"annotation": annotation})


def annotation_history(request, uuid):
    """Anyone who may see the annotation: every saved version, newest first."""
    annotation = get_object_or_404(
        Annotation.objects.visible_to(request.user).select_related("message", "event", "author"),
        uuid=uuid,
    )
    revisions = list(annotation.revisions.select_related("editor").order_by("-created", "-pk"))
    # Newest first; each revision says what it changed from the one before it.
    for newer, older in zip(revisions, revisions[1:], strict=False):
        newer.changes = changed_parts(older.snapshot, newer.snapshot)
    return render(
        request,
        "annotations/annotation_history.html",
        {"annotation": annotation, "revisions": revisions},
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
    """Anyone: the annotations they may see, filtered; ?mine for one's own."""
    annotations = Annotation.objects.visible_to(request.user).for_list().order_by("-created")
    mine = "mine" in request.GET and request.user.is_authenticated
    if mine:
        annotations = annotations.filter(author=request.user)
    annotation_filter = AnnotationFilter(request.GET, queryset=annotations)
    page = Paginator(annotation_filter.qs, ANNOTATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "annotations/annotation_list.html",
        {"filter": annotation_filter, "page": page, "mine": mine},
    )
