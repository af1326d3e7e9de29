"""My work: my open tasks by due date, my stalled deals, follow-ups due; and "done" on a task."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from traseu.core.errors import TraseuError
from traseu.core.http import HtmxHttpRequest
from traseu.crm.access import require_writer
from traseu.crm.lists import my_task, my_task_group_after, my_work
from traseu.crm.services import task_complete
from traseu.crm.views.common import error_response, may_write, see_other, signed_in_user


@login_required
@require_GET
def work(request: HtmxHttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    overview = my_work(user=user, whole=request.GET.getlist("all"))
    return render(request, "crm/work.html", {"work": overview, "may_write": may_write(request)})


@login_required
@require_GET
def work_more(request: HtmxHttpRequest) -> HttpResponse:
    """The next tasks of one group, in place of its "show more" row (HTMX)."""
    after = request.GET.get("after", "")
    try:
        group = my_task_group_after(
            user=signed_in_user(request),
            key=request.GET.get("group", ""),
            after=int(after) if after.isdigit() else 0,
        )
    except TraseuError as error:
        return error_response(request, error)
    context = {"group": group, "may_write": may_write(request)}
    return render(request, "crm/work.html#group_rows", context)


@login_required
@require_POST
def work_task_done(request: HtmxHttpRequest, task_id: int) -> HttpResponse:
    """Complete one of my tasks. HTMX swaps its rows (in the task list and the follow-ups);
    without JavaScript the browser goes back to the page (303)."""
    user = signed_in_user(request)
    try:
        require_writer(user)
        task = my_task(user=user, task_id=task_id)
        done = task_complete(task_id=task.pk, acting_user=user)
    except TraseuError as error:
        return error_response(request, error)
    task.done, task.done_at = done.done, done.done_at
    if request.htmx:
        return render(request, "crm/work.html#task_done", {"task": task})
    messages.success(request, _("Done: %(task)s.") % {"task": task.subject})
    return see_other(reverse("work"))


urlpatterns: list[URLPattern] = [
    path("work/", work, name="work"),
    path("work/tasks/", work_more, name="work_more"),
    path("work/tasks/<int:task_id>/done/", work_task_done, name="work_task_done"),
]
