"""A conversation's page, read as a chat."""

from django.shortcuts import get_object_or_404, render

from archive.models import (
    Thread,
)
from archive.views.conversation import build_conversation, side_stats
from archive.views.notes import attach_annotation_counts
from lib.caching import cached_figures
from lib.keyset import KeysetPaginator

THREAD_PAGE_SIZE = 100


def thread_detail(request, external_id):
    """Anyone: a conversation read as a chat, in thread order, a page of messages at a time."""
    # A conversation only an import waiting for review holds is not public yet (its title may be
    # an e-mail's subject line).
    thread = get_object_or_404(Thread.objects.public(), external_id=external_id)
    # Whole-thread aggregates, kept until the records change (lib/caching.py).
    sides = cached_figures(f"thread-sides:{thread.pk}", lambda: side_stats(thread))
    by_turns = bool(sides) and sides[0].by_turns
    messages = thread.messages.public().for_list().order_by("position", "pk")
    if by_turns:
        messages = messages.with_turns()
    page = KeysetPaginator(messages, THREAD_PAGE_SIZE).page(request.GET.get("cursor"))
    attach_annotation_counts(request, messages=page.object_list)
    opening = thread.messages.public().order_by("position").values("sender").first()
    conversation = build_conversation(page, opening["sender"] if opening else None, by_turns)
    conversation.sides = sides
    return render(
        request,
        "archive/thread_detail.html",
        {
            "thread": thread,
            "conversation": conversation,
            "page": page,
            "message_total": sum(side.sent for side in conversation.sides),
            "page_size": THREAD_PAGE_SIZE,
        },
    )
