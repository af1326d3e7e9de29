"""Set up or check the load benchmark's database, in its own process (the server's settings).

``seed``: migrate, store the classic process, a sales manager with a write token, and DEALS
deals over 200 accounts; prints one JSON line {token, deal, movers, stages}: the deal that gets
activities, the deals that get moved between the first two stages. ``count DEAL MOVER...``:
prints {activities, moves}: the benchmark's activities on DEAL and the stage changes of the
movers (to check that every acknowledged write is stored).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from decimal import Decimal


def seed(deals: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from traseu.core.models import Role, Team, TokenScope, User
    from traseu.core.tokens import token_create
    from traseu.crm.models import Account, Deal
    from traseu.process.techniques import shipped_documents
    from traseu.processes.selectors import process_definition
    from traseu.processes.services import process_apply_file

    call_command("migrate", verbosity=0)
    path = next(p for p in shipped_documents() if p.name == "classic.en.yaml")
    version = process_apply_file(path=path).version
    stages = [s.key for s in process_definition(version).stages if s.kind == "pre_sale"]
    team = Team.objects.create(name="Bench load")
    manager = User.objects.create_user("bench-load", password=None, role=Role.SALES_MANAGER)
    manager.teams.add(team)
    accounts = Account.objects.bulk_create(Account(name=f"Account {n}") for n in range(200))
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            title=f"Deal {n}",
            account=accounts[n % 200],
            owner=manager,
            team=team,
            process_version=version,
            stage=stages[n % len(stages)],
            currency="EUR",
            amount=Decimal(1000 + n),
            probability=Decimal("0.2"),
            stage_entered_at=now - dt.timedelta(days=n % 60),
            created_at=now - dt.timedelta(minutes=n),
        )
        for n in range(deals)
    )
    _, token = token_create(user=manager, name="bench", scope=TokenScope.WRITE)
    with connection.cursor() as cursor:  # statistics, as a database in use has them
        cursor.execute("ANALYZE")
    deal = Deal.objects.order_by("pk").first()
    assert deal is not None
    movers = Deal.objects.filter(stage=stages[0]).order_by("pk").values_list("pk", flat=True)
    return {"token": token, "deal": deal.pk, "movers": list(movers[:64]), "stages": stages[:2]}


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
    import django

    django.setup()
    if sys.argv[1] == "seed":
        print(json.dumps(seed(int(sys.argv[2]))))
    else:  # count: what the writes left behind
        from traseu.crm.models import Activity, StageChange

        deal, movers = int(sys.argv[2]), [int(pk) for pk in sys.argv[3:]]
        activities = Activity.objects.filter(deal_id=deal, subject="Load").count()
        moves = StageChange.objects.filter(deal_id__in=movers).count()
        print(json.dumps({"activities": activities, "moves": moves}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
