"""Recognising the same company under different spellings (no Django: plain text rules).

A prospect is matched to an existing account by its normalised web domain first, then by its
normalised name: case-folded, without diacritics, punctuation or legal-form words, so
``S.C. Brutăria Ionescu S.R.L.``, ``Brutaria Ionescu SRL`` and ``brutăria ionescu`` are one
company.
"""

from __future__ import annotations

import re
import unicodedata

# Legal forms dropped from the end of a name (and "SC", "S.C." from its start), compared after
# dots are removed: "S.A." is "sa", "S.R.L." is "srl".
LEGAL_SUFFIXES = frozenset(
    {
        # Romania and Moldova
        "srl", "srld", "sa", "sca", "scs", "snc", "pfa", "ii", "if", "ra",
        # English-speaking countries
        "ltd", "limited", "llc", "llp", "lp", "inc", "incorporated", "corp", "corporation",
        "co", "company", "plc", "pty", "pllc",
        # German-speaking countries
        "gmbh", "ag", "kg", "gbr", "ug", "ohg", "mbh", "kgaa", "se",
        # elsewhere in Europe
        "sarl", "sas", "sasu", "eurl", "spa", "sl", "bv", "nv", "bvba", "oy", "oyj", "ab",
        "as", "asa", "aps", "sro", "kft", "zrt", "nyrt", "doo", "ood", "ead", "eood", "sp",
        "zoo", "spzoo", "oü", "ou", "uab", "sia", "lda", "ltda", "srls",
    }
)  # fmt: skip
LEGAL_PREFIXES = frozenset({"sc"})
# "Acme GmbH & Co. KG": a connector left at the end once legal forms are gone goes too.
CONNECTORS = frozenset({"and", "si", "und", "et"})
# Public e-mail providers: their domain says nothing about the company.
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.ro", "yahoo.co.uk", "hotmail.com",
        "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "yandex.com",
        "yandex.ru", "zoho.com",
    }
)  # fmt: skip
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)
_SRL_D = re.compile(r"\bsrl\s*-\s*d\b")  # the Romanian "SRL-D" (a debutant SRL)


def strip_diacritics(text: str) -> str:
    if text.isascii():  # nothing to strip (and the common case in large imports)
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


NAME_KEY_LENGTH = 200  # the name_key columns of prospects and account keys
DOMAIN_LENGTH = 200  # the domain columns


def normalise_name(name: str) -> str:
    """A company name as a comparison key.

    Case-folded, diacritics removed (ș, ş and s are one letter), dots between letters dropped
    (``S.R.L.`` is ``srl``) and apostrophes, other punctuation turned into spaces, ``&`` into
    ``and``, and legal-form words (with a connector left dangling, as in ``GmbH & Co. KG``)
    removed from the end (``SRL``, ``S.A.``, ``Ltd``, ``GmbH``, ``Inc`` ...) and ``SC`` from
    the start. A name made only of such words keeps its first word.
    """
    text = strip_diacritics(name.casefold()).replace("&", " and ")
    text = _SRL_D.sub("srld", text)
    for mark in (".", "'", "\u2019"):  # "S.R.L." is "srl", "O'Brien" is "obrien"
        text = text.replace(mark, "")
    kept = _PUNCTUATION.sub(" ", text).split()
    while len(kept) > 1 and (kept[-1] in LEGAL_SUFFIXES or kept[-1] in CONNECTORS):
        kept.pop()
    while len(kept) > 1 and kept[0] in LEGAL_PREFIXES:
        kept.pop(0)
    # "&" grows into " and ": a 200-character name can give a longer key than its column holds
    return " ".join(kept)[:NAME_KEY_LENGTH].rstrip()


def email_domain(email: str) -> str:
    """The company domain of an e-mail address ("" for public providers and non-addresses)."""
    _local, at, domain = email.strip().lower().rpartition("@")
    if not at or not domain or domain in FREE_MAIL:
        return ""
    return domain


def dedupe_key(*, domain: str, name_key: str) -> str:
    """What makes two prospects of a list the same company: the domain, else the name."""
    return f"d:{domain}" if domain else f"n:{name_key}"
