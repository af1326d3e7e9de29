"""Recognition keys for the accounts that exist before prospecting was installed."""

from django.db import migrations

CHUNK = 2000


def fill_keys(apps, schema_editor):
    from traseu.crm.services import normalise_domain
    from traseu.prospecting.names import normalise_name

    Account = apps.get_model("crm", "Account")
    AccountKey = apps.get_model("prospecting", "AccountKey")
    last = 0
    while True:
        chunk = list(
            Account.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "name", "domain")[
                :CHUNK
            ]
        )
        if not chunk:
            return
        AccountKey.objects.bulk_create(
            [
                AccountKey(
                    account_id=pk,
                    domain=normalise_domain(domain or ""),
                    name_key=normalise_name(name or ""),
                )
                for pk, name, domain in chunk
            ],
            ignore_conflicts=True,
        )
        last = chunk[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("prospecting", "0001_initial"),
        ("crm", "0003_qualification_evidence_and_snapshot"),
    ]

    operations = [migrations.RunPython(fill_keys, migrations.RunPython.noop)]
