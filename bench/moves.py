"""Deal moves per second through the transition service on SQLite, against a bare ORM update
of the same rows. The ratio is the cost of the gate, the history, the timeline and the tasks."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

ROUTE = Path(__file__).resolve().parent.parent / "tests" / "crm" / "route.yaml"


def run(deals: int = 300) -> list[tuple[str, float, float]]:
    os.environ["TRASEU_DATA_DIR"] = tempfile.mkdtemp(prefix="traseu-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traseu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from traseu.core.models import Role, Team, User
    from traseu.crm.models import Account, Deal
    from traseu.crm.services import deal_create
    from traseu.crm.transitions import deal_move_to_stage
    from traseu.processes.services import process_apply_file

    version = process_apply_file(path=ROUTE).version
    manager = User.objects.create_user("bench", role=Role.SALES_MANAGER)
    manager.teams.add(Team.objects.create(name="Bench"))
    ids = [
        deal_create(
            title=f"D{n}",
            account=Account.objects.create(name=f"A{n}", industry="X"),
            owner=manager,
            process_version=version,
            acting_user=manager,
        ).pk
        for n in range(deals)
    ]

    start = time.perf_counter()
    for deal_id in ids:
        deal_move_to_stage(deal_id=deal_id, to_stage="qualification", acting_user=manager)
    service = deals / (time.perf_counter() - start)

    start = time.perf_counter()
    for deal_id in ids:
        Deal.objects.filter(pk=deal_id).update(stage="first_contact")
    bare = deals / (time.perf_counter() - start)
    return [("deal moves/s via the service (SQLite)", service, bare)]
