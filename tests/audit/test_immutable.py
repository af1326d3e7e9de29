"""Audit entries are never changed or deleted through the ORM or the admin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import ProtectedError
from django.test import Client

from traseu.audit.models import AuditEntry, AuditImmutable
from traseu.core.models import Role, User
from traseu.crm.models import Deal

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


@pytest.fixture
def entry(make_deal: MakeDeal) -> AuditEntry:
    make_deal()
    return AuditEntry.objects.get(object_type="deal")


@pytest.mark.parametrize(
    "change",
    [
        lambda e: AuditEntry.objects.update(object_label="forged"),
        lambda e: AuditEntry.objects.filter(pk=e.pk).update(object_label="forged"),
        lambda e: AuditEntry.objects.all().delete(),
        lambda e: AuditEntry.objects.filter(pk=e.pk).delete(),
        lambda e: AuditEntry.objects.bulk_update([e], ["object_label"]),
        lambda e: AuditEntry.objects.update_or_create(pk=e.pk, defaults={"object_label": "x"}),
        lambda e: e.delete(),
        lambda e: e.save(),
    ],
    ids=[
        "update",
        "filter-update",
        "delete",
        "filter-delete",
        "bulk",
        "upsert",
        "row-delete",
        "row-save",
    ],
)
def test_no_orm_path_changes_an_entry(
    entry: AuditEntry, change: Callable[[AuditEntry], object]
) -> None:
    entry.object_label = "forged"
    with pytest.raises(AuditImmutable):
        change(entry)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.object_label == "Acme rollout"


def test_a_person_who_acted_cannot_be_deleted_only_deactivated(
    entry: AuditEntry, people: dict[str, User]
) -> None:
    with pytest.raises(ProtectedError):
        people["rep"].delete()
    assert AuditEntry.objects.get(pk=entry.pk).actor == people["rep"]


def test_the_admin_shows_entries_read_only(entry: AuditEntry) -> None:
    admin = User.objects.create_superuser("root", password=None, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    base = "/admin/audit/auditentry/"
    listing = client.get(base)
    assert listing.status_code == 200
    assert "Acme rollout" in listing.content.decode()
    page = client.get(f"{base}{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(f"{base}{entry.pk}/change/", {"object_label": "x"}).status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).object_label == "Acme rollout"
