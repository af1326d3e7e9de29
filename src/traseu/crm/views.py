from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from traseu.crm.selectors import pipeline_board
from traseu.processes.selectors import process_versions_latest


@login_required
def pipeline(request: HttpRequest) -> HttpResponse:
    """The board of the chosen process (the first one by default)."""
    processes = process_versions_latest()
    key = request.GET.get("process") or (processes[0].process.key if processes else "")
    board = pipeline_board(process_key=key) if key else None
    return render(
        request, "crm/pipeline.html", {"board": board, "processes": processes, "current": key}
    )
