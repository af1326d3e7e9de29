"""Steps of the backup round trip, each run in its own process against DATABASE_URL (or the
SQLite file in TRASEU_DATA_DIR), as ``python backup_scenario.py STEP``; prints JSON.

- ``fill``: a small CRM through the real services (users, a process, accounts, deals, moves,
  activities, answers, a token), then the snapshot;
- ``spoil``: deletes a deal, edits another, adds a user, then the snapshot;
- ``snapshot``: every row of every table, as text, ordered by the first column;
- ``insert``: one more account through the service; prints its id.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROUTE = Path(__file__).parent.parent / "fixtures" / "route.yaml"


def snapshot() -> dict[str, Any]:
    from django.db import connection

    tables: dict[str, list[list[str]]] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608
            tables[table] = [[str(value) for value in row] for row in cursor.fetchall()]
    return tables


def fill() -> None:
    from traseu.core.services import user_create
    from traseu.core.tokens import token_create
    from traseu.crm.models import Activity
    from traseu.crm.services import (
        account_create,
        activity_log,
        contact_create,
        deal_contact_set,
        deal_create,
        qualification_answer,
        task_complete,
    )
    from traseu.crm.transitions import deal_move_to_stage
    from traseu.processes.services import process_apply_file

    rep = user_create(username="ana", role="sales_rep", team="A", password="a long pass 42")
    manager = user_create(username="maria", role="sales_manager", team="A")
    token_create(user=rep, name="laptop", scope="write")
    version = process_apply_file(path=ROUTE).version
    for n in range(3):
        account = account_create(acting_user=rep, name=f"Client {n}", industry="Retail")
        contact = contact_create(acting_user=rep, account=account, last_name=f"Pop {n}")
        deal = deal_create(
            title=f"Deal {n}",
            account=account,
            owner=rep,
            process_version=version,
            acting_user=rep,
            amount=f"{1000 * (n + 1)}.50",
            custom={"region": "Cluj", "n": n},
        )
        deal_contact_set(deal=deal, contact=contact, role="decision_maker", acting_user=rep)
        activity_log(deal=deal, type="call", subject=f"Call ș {n}", acting_user=rep)
        if n:
            deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=rep)
            qualification_answer(deal=deal, criterion="budget", status="partial", acting_user=rep)
            task = Activity.objects.get(deal=deal, template="research")
            task_complete(task_id=task.pk, acting_user=manager)


def spoil() -> None:
    from traseu.core.services import user_create
    from traseu.crm.models import Deal
    from traseu.crm.services import deal_update

    first, second = Deal.objects.order_by("pk")[:2]
    first.delete()
    rep = second.owner
    deal_update(deal_id=second.pk, acting_user=rep, changes={"title": "Renamed", "amount": "1"})
    user_create(username="intruder", role="admin")


def insert() -> int:
    from traseu.crm.services import account_create

    return account_create(acting_user=None, name="After the restore").pk  # type: ignore[arg-type]


def main(step: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traseu.settings")
    import django

    django.setup()
    if step == "insert":
        print(json.dumps(insert()))
        return
    if step == "fill":
        fill()
    elif step == "spoil":
        spoil()
    print(json.dumps(snapshot()))


if __name__ == "__main__":
    main(sys.argv[1])
