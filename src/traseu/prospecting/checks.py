"""System checks: the qualification frameworks (shipped and the team's own) load."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from traseu.process.errors import ProcessDocumentError
from traseu.process.qualification import PATHS_ENV, QUALIFICATION_FRAMEWORKS


@register()
def qualification_frameworks(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every framework file loads; a broken one is reported with its file and line."""
    try:
        len(QUALIFICATION_FRAMEWORKS)  # loads them on first use
    except ProcessDocumentError as error:
        return [
            Error(
                str(problem),
                hint=f"Fix the file, or remove it from {PATHS_ENV}.",
                id="traseu.prospecting.E001",
            )
            for problem in error.problems
        ]
    return []
