"""The portal inbox: the signed-in user's portal messages, marked read one by one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from notifications import selectors, services
from notifications.models import Message


@login_required
@require_GET
def inbox(request):
    messages = selectors.inbox_list(user=request.user)[:100]
    return render(request, "notifications/inbox.html", {"inbox": messages})


@login_required
@require_POST
def mark_read(request, pk: int):
    try:
        services.message_mark_read(user=request.user, message_id=pk)
    except Message.DoesNotExist as exc:
        raise Http404 from exc
    return redirect("notifications:inbox")
