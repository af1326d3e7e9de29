"""The embedded demo: a ready database with the shipped processes, a team and a pipeline."""

from __future__ import annotations

import secrets
from typing import TextIO

from django.db import transaction

from traseu.aftersale.demo import demo_aftersale
from traseu.audit.context import audit_context
from traseu.core.env import data_dir, env_str
from traseu.core.models import Role, Team, User
from traseu.crm.models import Deal
from traseu.demo.pipeline import Cast, generate_pipeline
from traseu.process.techniques import shipped_documents
from traseu.processes.selectors import process_version_latest
from traseu.processes.services import process_apply_file

# username, first name, last name, role, team
PEOPLE = (
    ("manager", "Maria", "Ionescu", Role.SALES_MANAGER, "București"),
    ("ana", "Ana", "Popescu", Role.SALES_REP, "București"),
    ("radu", "Radu", "Constantin", Role.SALES_REP, "București"),
    ("emma", "Emma", "Walsh", Role.SALES_REP, "Cluj"),
    ("ioana", "Ioana", "Dumitru", Role.ACCOUNT_MANAGER, "București"),
    ("admin", "Admin", "Traseu", Role.ADMIN, ""),
)
DEMO_PROCESSES = (("classic", 90, "en_US"), ("classic-ro", 40, "ro_RO"))


def demo_password() -> str:
    """``TRASEU_DEMO_PASSWORD`` when set; else one generated once and kept in the data dir."""
    password = env_str("TRASEU_DEMO_PASSWORD")
    if password:
        return password
    path = data_dir() / "demo_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_people(password: str) -> dict[str, User]:
    people: dict[str, User] = {}
    for username, first, last, role, team_name in PEOPLE:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "email": f"{username}@traseu.example",
            },
        )
        user.is_staff = role in (Role.SALES_MANAGER, Role.ADMIN)
        user.is_superuser = role in (Role.SALES_MANAGER, Role.ADMIN)
        user.set_password(password)
        user.save()
        if team_name:
            user.teams.add(Team.objects.get_or_create(name=team_name)[0])
        people[username] = user
    return people


@audit_context(via="demo")
def run_demo(stdout: TextIO, *, deals_scale: float = 1.0) -> None:
    """Apply the shipped processes, create the team and, once, the demo pipeline."""
    for path in shipped_documents():
        result = process_apply_file(path=path)
        state = "applied" if result.created else "unchanged"
        stdout.write(f"process {result.version.process.key} v{result.version.number}: {state}\n")
    password = demo_password()
    people = ensure_people(password)
    if not Deal.objects.exists():
        cast = Cast(
            manager=people["manager"],
            reps=[people["ana"], people["radu"], people["emma"]],
            account_manager=people["ioana"],
        )
        for seed, (key, count, locale) in enumerate(DEMO_PROCESSES):
            with transaction.atomic():
                total = generate_pipeline(
                    version=process_version_latest(key=key),
                    cast=cast,
                    deals=max(1, int(count * deals_scale)),
                    seed=seed,
                    locale=locale,
                )
            stdout.write(f"demo pipeline: {total} deals on '{key}'\n")
        stdout.write(f"after the sale: {demo_aftersale()} follow-up calls completed\n")
    stdout.write("\nDemo users (password for all: " + password + ")\n")
    for username, first, last, role, team in PEOPLE:
        stdout.write(
            f"  {username:<8} {first} {last}, {Role(role).label}{', ' + team if team else ''}\n"
        )
