"""Generate a believable demo pipeline by running deals through the real transition service.

Every demo move goes through :func:`deal_move_to_stage` with a clock set in the past, so the
demo history is exactly what real use produces: the gate is asked, unmet criteria are satisfied
the way a rep would (answer BANT, log the call, add the decision maker, send the proposal) and,
now and then, a manager overrides a gate or a deal goes back a stage.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from faker import Faker

from traseu.core.models import User
from traseu.crm.models import Account, Activity, Contact, Deal
from traseu.crm.services import (
    activity_log,
    deal_contact_set,
    deal_create,
    deal_document_set,
    deal_update,
    qualification_answer,
    task_complete,
)
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.demo import sales
from traseu.process.definition import CriterionSpec, ProcessDefinition, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

INDUSTRIES = (
    "Software",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Healthcare",
    "Finance",
    "Construction",
    "Agriculture",
    "Energy",
    "Education",
)
COUNTRIES = ("RO", "RO", "RO", "MD", "DE", "AT", "GB", "US", "PL", "HU")
SOURCES = ("referral", "website", "outbound", "event", "partner", "existing customer")
DEAL_KINDS = {
    "en_US": ("licences", "rollout", "pilot", "renewal", "expansion"),
    "ro_RO": ("licențe", "implementare", "proiect pilot", "reînnoire", "extindere"),
}
LOST_REASONS = ("price", "competitor", "no budget", "no decision", "timing", "no need")


@dataclass
class Cast:
    manager: User
    reps: list[User]
    account_manager: User


class DealWalker:
    """Moves one deal forward in simulated time, satisfying criteria as a rep would."""

    def __init__(
        self,
        deal: Deal,
        definition: ProcessDefinition,
        cast: Cast,
        rng: random.Random,
        fake: Faker,
        start: dt.datetime,
    ):
        self.deal, self.definition, self.cast = deal, definition, cast
        self.rng, self.fake, self.now = rng, fake, start

    def clock(self) -> dt.datetime:
        return self.now

    def advance(self, days: float) -> None:
        self.now = min(self.now + dt.timedelta(days=days), timezone.now() - dt.timedelta(hours=1))

    def routine(self) -> None:
        """What a rep does in any stage: talk to the client and write it down."""
        kind = self.rng.choice(("call", "call", "meeting", "email"))
        activity_log(
            deal=self.deal,
            type=kind,
            acting_user=self.deal.owner,
            subject=f"{kind.capitalize()}: {self.deal.account}",
            notes=self.fake.sentence(),
            clock=self.clock,
        )
        if self.deal.stage == self.definition.first_stage.key:
            roles = ["decision_maker"] if self.rng.random() < 0.8 else []
            for role in [*roles, self.rng.choice(("champion", "influencer", "user"))]:
                self._satisfy_contact_role({"role": role, "min": 1})

    def move(self, to_stage: str, **kwargs: Any) -> bool:
        """Try the move; satisfy what the gate lists, then retry; a manager overrides the rest."""
        actor = kwargs.pop("actor", self.deal.owner)
        for _attempt in range(2):
            try:
                deal_move_to_stage(
                    deal_id=self.deal.pk,
                    to_stage=to_stage,
                    acting_user=actor,
                    via="demo",
                    clock=self.clock,
                    **kwargs,
                )
                self.deal.refresh_from_db()
                return True
            except GateRejected as rejection:
                if rejection.details["violations"]:
                    return False
                for unmet in rejection.decision.unmet:
                    self.satisfy(self._spec(unmet.stage, unmet.phase, unmet.key))
                self.advance(self.rng.uniform(0.2, 1.5))
        deal_move_to_stage(
            deal_id=self.deal.pk,
            to_stage=to_stage,
            acting_user=self.cast.manager,
            override=True,
            reason="Approved by the manager: strategic account.",
            via="demo",
            clock=self.clock,
            **kwargs,
        )
        self.deal.refresh_from_db()
        return True

    def _spec(self, stage_key: str, phase: str, key: str) -> CriterionSpec | None:
        stage = self.definition.stage(stage_key)
        specs = (stage.entry if phase == "entry" else stage.exit) if stage else ()
        return next((spec for spec in specs if spec.key == key), None)

    def satisfy(self, spec: CriterionSpec | None) -> None:
        if spec is None:
            return
        handler = getattr(self, f"_satisfy_{spec.kind}", None)
        if handler is not None:
            handler(spec.params)

    def _set_field(self, path: str, value: Any) -> None:
        root, _, name = path.partition(".")
        if root == "deal" and name in SALES_FIELDS:
            SALES_FIELDS[name](self, value)
        elif root == "account":
            account = self.deal.account
            if name.startswith("custom."):
                account.custom = {**account.custom, name[len("custom.") :]: value}
            elif hasattr(account, name):
                setattr(account, name, value)
            account.save()
        elif name.startswith("custom."):
            deal_update(
                deal_id=self.deal.pk,
                acting_user=self.deal.owner,
                changes={"custom": {name[len("custom.") :]: value}},
                clock=self.clock,
            )
        elif name in ("title", "amount", "currency", "expected_close", "source"):
            deal_update(
                deal_id=self.deal.pk,
                acting_user=self.deal.owner,
                changes={name: value},
                clock=self.clock,
            )
        self.deal.refresh_from_db()

    def _satisfy_field_present(self, params: Mapping[str, Any]) -> None:
        name = params["field"].rsplit(".", 1)[-1]
        samples = {
            "industry": self.rng.choice(INDUSTRIES),
            "country": "RO",
            "employees": self.rng.randint(20, 900),
            "amount": Decimal(15000),
            "expected_close": (self.now + dt.timedelta(days=45)).date(),
            "annual_revenue": Decimal(2_500_000),
            "domain": "example.com",
            "source": "referral",
        }
        self._set_field(params["field"], samples.get(name, "yes"))

    def _satisfy_field_compare(self, params: Mapping[str, Any]) -> None:
        value, op = params["value"], params["op"]
        if op in ("in",) and isinstance(value, list) and value:
            value = value[0]
        elif op in ("gt", "ge") and isinstance(value, int | float):
            value = Decimal(str(value)) + (1 if op == "gt" else 0)
        elif op in ("lt", "le") and isinstance(value, int | float):
            value = Decimal(str(value)) - (1 if op == "lt" else 0)
        elif op in ("ne", "not_in"):
            return
        self._set_field(params["field"], value)

    def _satisfy_qualification(self, params: Mapping[str, Any]) -> None:
        status = self.rng.choice(("confirmed", params["at_least"]))
        qualification_answer(
            deal=self.deal,
            framework=params["framework"],
            criterion=params["criterion"],
            status=status,
            acting_user=self.deal.owner,
            note=self.fake.sentence(),
            clock=self.clock,
        )

    def _satisfy_task_done(self, params: Mapping[str, Any]) -> None:
        tasks = Activity.objects.filter(
            deal=self.deal, stage=params["stage"], template__in=params["tasks"], done=False
        )
        for task in tasks:
            task_complete(task_id=task.pk, acting_user=task.owner, clock=self.clock)

    def _satisfy_activity_logged(self, params: Mapping[str, Any]) -> None:
        for _ in range(params["min"]):
            activity_log(
                deal=self.deal,
                type=params["type"],
                acting_user=self.deal.owner,
                subject=f"{params['type'].capitalize()} with {self.deal.account}",
                notes=self.fake.paragraph(nb_sentences=2),
                clock=self.clock,
            )

    def _satisfy_contact_role(self, params: Mapping[str, Any]) -> None:
        for _ in range(params["min"]):
            contact = Contact.objects.create(
                account=self.deal.account,
                first_name=self.fake.first_name(),
                last_name=self.fake.last_name(),
                email=self.fake.email(),
                job_title=self.fake.job()[:120],
            )
            deal_contact_set(
                deal=self.deal,
                contact=contact,
                role=params["role"],
                acting_user=self.deal.owner,
                clock=self.clock,
            )

    def _satisfy_document_status(self, params: Mapping[str, Any]) -> None:
        status = params["status"][0] if params["status"] else "sent"
        if params["document"] in ("proposal", "contract"):
            self._set_field(f"deal.{params['document']}_status", status)
            return
        deal_document_set(
            deal=self.deal,
            kind=params["document"],
            status=status,
            title=f"{params['document'].capitalize()} — {self.deal.account}",
            acting_user=self.deal.owner,
            clock=self.clock,
        )


# Sales facts (traseu.sales.facts) are met by doing the sales work, not by setting a field.
SALES_FIELDS: dict[str, Any] = {
    "competitors_analysed": lambda w, _v: sales.analyse_competitors(w.deal, w.rng, w.clock),
    "proposal_status": lambda w, v: sales.proposal_to(w.deal, str(v), w.rng, w.clock),
    "contract_status": lambda w, v: sales.contract_to(w.deal, str(v), w.clock),
}


def _fixed(moment: dt.datetime) -> dt.datetime:
    return moment


def _account(fake: Faker, rng: random.Random, owner: User) -> Account:
    name = fake.company()
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24] or "company"
    return Account.objects.create(
        name=name,
        domain=f"{slug}.example",
        industry=rng.choice(INDUSTRIES),
        employees=rng.choice((8, 25, 60, 140, 320, 900, 2400)),
        annual_revenue=Decimal(rng.randrange(200, 60000) * 1000),
        country=rng.choice(COUNTRIES),
        is_customer=rng.random() < 0.25,
        owner=owner,
    )


def generate_pipeline(
    *, version: ProcessVersion, cast: Cast, deals: int, seed: int, locale: str
) -> int:
    """Create ``deals`` deals on ``version`` with histories over the last six months."""
    rng, fake = random.Random(seed), Faker(locale)
    fake.seed_instance(seed)
    definition = process_definition(version)
    route = [s.key for s in definition.route]
    pre_sale = [s.key for s in definition.route if s.kind is StageKind.PRE_SALE]
    sales.ensure_catalogue(cast.manager, definition.currency)
    for index in range(deals):
        owner = cast.reps[index % len(cast.reps)]
        age = rng.uniform(2, 180)
        start = timezone.now() - dt.timedelta(days=age)
        account = _account(fake, rng, owner)
        deal = deal_create(
            title=f"{account.name} — {rng.choice(DEAL_KINDS.get(locale, DEAL_KINDS['en_US']))}",
            account=account,
            owner=owner,
            process_version=version,
            acting_user=owner,
            amount=Decimal(
                rng.choice((3, 5, 8, 12, 20, 35, 60, 90)) * 1000 + rng.randrange(0, 999)
            ),
            expected_close=(start + dt.timedelta(days=rng.randint(30, 120))).date(),
            source=rng.choice(SOURCES),
            clock=functools.partial(_fixed, start),
        )
        walker = DealWalker(deal, definition, cast, rng, fake, start)
        # Older deals travel further; some are lost on the way, some go back once.
        target = min(len(route) - 1, int(age / 22) + rng.randint(0, 1))
        for position in range(1, target + 1):
            walker.advance(rng.uniform(2, 16))
            if walker.now > timezone.now() - dt.timedelta(days=1):
                break  # caught up with today: the deal stays where it is
            walker.routine()
            if deal.stage in pre_sale and rng.random() < 0.08:
                walker.move(
                    definition.lost.key,
                    lost_reason=rng.choice(definition.lost_reasons or LOST_REASONS),
                )
                sales.name_winner(deal, rng, walker.clock)
                break
            if rng.random() < 0.05 and position > 1:
                walker.move(route[position - 2], reason="Customer reopened the requirements.")
                walker.advance(rng.uniform(1, 5))
            if not walker.move(route[position]):
                break
            if deal.stage != route[position]:
                break  # winning continued into after-sale: the route is done
    return deals
