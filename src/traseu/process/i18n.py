"""A translation seam for the core's messages.

The core marks its messages with :func:`gettext` (so ``makemessages`` extracts them) but cannot
import Django. The Django side installs its own translator at start-up with
:func:`install_translator`; until then messages stay in English.
"""

from collections.abc import Callable

_translate: Callable[[str], str] = str


def install_translator(translate: Callable[[str], str]) -> None:
    """Route every core message through ``translate`` (Django's ``gettext`` in the app)."""
    global _translate
    _translate = translate


def gettext(message: str) -> str:
    return _translate(message)


_ = gettext
