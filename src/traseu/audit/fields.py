"""Which fields of each kind of record the audit trail keeps (by ``object_type``).

Secrets never appear here: not a password hash, not a token's hash.
"""

from __future__ import annotations

AUDITED_FIELDS: dict[str, tuple[str, ...]] = {
    "deal": (
        "title",
        "account",
        "owner",
        "team",
        "process_version",
        "stage",
        "status",
        "amount",
        "currency",
        "expected_close",
        "probability",
        "source",
        "custom",
    ),
    "account": (
        "name",
        "domain",
        "industry",
        "employees",
        "annual_revenue",
        "country",
        "is_customer",
        "owner",
        "custom",
    ),
    "contact": ("account", "first_name", "last_name", "email", "phone", "job_title", "custom"),
    "activity": (
        "deal",
        "type",
        "subject",
        "notes",
        "owner",
        "due_at",
        "done",
        "done_at",
        "stage",
        "technique",
    ),
    "deal_contact": ("deal", "contact", "role"),
    "deal_document": ("deal", "kind", "title", "status", "link"),
    "qualification_answer": ("deal", "framework", "criterion", "status", "note", "stage"),
    "process_version": ("process", "number", "name", "language", "currency", "digest"),
    "user": ("username", "role", "email", "first_name", "last_name", "is_active", "is_staff"),
    "access_token": ("user", "name", "prefix", "scope", "expires_at", "revoked_at"),
}
