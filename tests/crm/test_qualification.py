"""Qualification on a deal: answers with evidence as history, the frameworks a deal page offers,
the score and the explained estimate on the panel, the answers each stage change recorded, and
a stage that asks for a fresh answer."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import FakeClock
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.dealpage import deal_page
from traseu.crm.models import Account, Activity, Deal, QualificationAnswer, StageChange
from traseu.crm.services import deal_create, qualification_answer, task_complete
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.processes.services import process_apply_text

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
HTMX = {"HTTP_HX_REQUEST": "true"}


def answer(deal: Deal, user: User, criterion: str, status: str, **kw: object) -> None:
    qualification_answer(deal=deal, criterion=criterion, status=status, acting_user=user, **kw)  # type: ignore[arg-type]


def test_an_answer_keeps_its_evidence(make_deal: MakeDeal, people: dict[str, User]) -> None:
    deal = make_deal()
    answer(deal, people["rep"], "budget", "confirmed", note="50k", evidence="E-mail of 2 March")
    stored = QualificationAnswer.objects.get(deal=deal)
    assert (stored.note, stored.evidence, stored.stage) == (
        "50k",
        "E-mail of 2 March",
        "prospecting",
    )


@pytest.mark.parametrize(
    ("framework", "criterion", "field", "message"),
    [
        ("spiced", "pain", "framework", "Unknown qualification framework 'spiced'"),
        ("bant", "champion", "criterion", "'champion' is not a question of BANT"),
    ],
)
def test_only_known_questions_are_answered(
    make_deal: MakeDeal,
    people: dict[str, User],
    framework: str,
    criterion: str,
    field: str,
    message: str,
) -> None:
    deal = make_deal()
    with pytest.raises(InvalidInput) as caught:
        answer(deal, people["rep"], criterion, "weak", framework=framework)
    assert caught.value.details == {"field": field}
    assert caught.value.message.startswith(message)
    assert not QualificationAnswer.objects.exists()


def test_every_stage_change_records_the_answers_that_held(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    rep = people["rep"]
    deal = make_deal(industry="Retail")
    answer(deal, rep, "budget", "weak", clock=clock)
    deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=rep, clock=clock)
    answer(deal, rep, "budget", "confirmed", clock=clock)
    answer(deal, rep, "economic_buyer", "partial", framework="meddicc", clock=clock)
    task_complete(task_id=Activity.objects.get(deal=deal, template="bant_call").pk, acting_user=rep)
    clock.advance(hours=1)
    deal_move_to_stage(deal_id=deal.pk, to_stage="first_contact", acting_user=rep, clock=clock)

    changes = list(StageChange.objects.filter(deal=deal).order_by("changed_at", "pk"))
    assert [(c.to_stage, c.qualification) for c in changes] == [
        ("prospecting", {}),
        ("qualification", {"bant": {"budget": "weak"}}),
        (
            "first_contact",
            {"bant": {"budget": "confirmed"}, "meddicc": {"economic_buyer": "partial"}},
        ),
    ]


FRESH_ROUTE = """\
key: fresh
name: Fresh
qualification: champ
stages:
  - key: lead
    name: Lead
    goal: Find.
    responsible_role: sales_rep
    exit:
      - {{kind: qualification, criterion: money, at_least: partial, within_days: 7}}
{stages}  - {{key: won, name: Won, kind: won}}
  - {{key: lost, name: Lost, kind: lost}}
""".format(
    stages="".join(
        f"  - {{key: {key}, name: {key}, goal: g, responsible_role: sales_rep,\n"
        "      exit: [{kind: field_present, field: deal.title}]}\n"
        for key in "abcd"
    )
)


def test_a_stage_can_require_a_fresh_answer(people: dict[str, User], clock: FakeClock) -> None:
    version = process_apply_text(text=FRESH_ROUTE, acting_user=people["manager"]).version
    rep = people["rep"]
    deal = deal_create(
        title="Fresh",
        account=Account.objects.create(name="Acme"),
        owner=rep,
        process_version=version,
        acting_user=rep,
        clock=clock,
    )
    answer(deal, rep, "money", "confirmed", framework="champ", clock=clock)
    clock.advance(days=8)

    with pytest.raises(GateRejected) as caught:
        deal_move_to_stage(deal_id=deal.pk, to_stage="a", acting_user=rep, clock=clock)
    [unmet] = caught.value.details["unmet"]
    assert (unmet["criterion"], unmet["message"]) == (
        "lead.exit.champ_money",
        "CHAMP Money is at least partial, answered in the last 7 days",
    )

    answer(deal, rep, "money", "partial", framework="champ", clock=clock)
    outcome = deal_move_to_stage(deal_id=deal.pk, to_stage="a", acting_user=rep, clock=clock)
    assert outcome.deal.stage == "a"


# --- the deal page's panel ----------------------------------------------------------------------


def test_the_panel_shows_the_score_and_what_moved_the_estimate(
    client: Client, make_deal: MakeDeal, people: dict[str, User]
) -> None:
    rep = people["rep"]
    deal = make_deal()
    answer(deal, rep, "budget", "confirmed", evidence="Signed budget line")
    answer(deal, rep, "timeline", "weak")

    page = deal_page(deal=deal)
    panel = page.qualification_panel

    def estimate(log_odds: float) -> float:
        return 1 / (1 + math.exp(-(math.log(0.2 / 0.8) + log_odds)))

    both = estimate(0.8 - 0.5)
    assert (panel.framework.key, panel.assessment.score) == ("bant", 30)  # 25 + 20 * 0.25
    assert panel.probability_percent == round(both * 100) == 25
    budget = round((both - estimate(-0.5)) * 100)
    timeline = round((both - estimate(0.8)) * 100)
    assert (budget, timeline) == (12, -11)
    assert [(e.label, e.points, e.up) for e in panel.effects] == [
        ("Budget", "+12", True),
        ("Timeline", "-11", False),
    ]
    assert [key for key, _name, shown in panel.choices if shown] == ["bant"]
    assert [key for key, _name, _shown in panel.choices] == ["bant", "champ", "meddicc"]

    html = client_page(client, rep, deal)
    start = html.index('<section id="qualification"')
    section = html[start : html.index("</section>", start)]
    assert "Qualification (BANT)" in section
    assert re.search(r"<strong>30</strong>", section)
    assert "<strong>25%</strong>" in section
    assert "(20% before any answer)" in section
    assert '<span class="points">+12</span> Budget: Confirmed' in section
    assert '<span class="points">-11</span> Timeline: Weak' in section
    assert "Is money set aside for this, and roughly how much?" in section, "the questions"
    assert "Signed budget line" in section, "the evidence in the history"


def client_page(client: Client, user: User, deal: Deal, query: str = "") -> str:
    client.force_login(user)
    response = client.get(f"/deals/{deal.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_shows_another_framework_and_answers_go_to_it(
    client: Client, make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    html = client_page(client, people["rep"], deal, "?framework=meddicc")
    assert "Qualification (MEDDICC)" in html
    assert '<option value="economic_buyer">Economic buyer</option>' in html
    assert '<input type="hidden" name="framework" value="meddicc"' in html

    response = client.post(
        f"/deals/{deal.pk}/qualification/",
        {"framework": "meddicc", "criterion": "champion", "status": "partial", "evidence": "Call"},
    )

    assert response.status_code == 303
    assert response["Location"] == f"/deals/{deal.pk}/?framework=meddicc#qualification"
    stored = QualificationAnswer.objects.get(deal=deal)
    assert (stored.framework, stored.criterion, stored.status, stored.evidence) == (
        "meddicc",
        "champion",
        "partial",
        "Call",
    )
    panel = client.post(
        f"/deals/{deal.pk}/qualification/",
        {"framework": "meddicc", "criterion": "metrics", "status": "confirmed"},
        **HTMX,
    ).content.decode()
    assert "Qualification (MEDDICC)" in panel
    assert "<strong>24</strong>" in panel, "champion partial 15 * 0.6 + metrics 15"


def test_the_romanian_page_shows_the_frameworks_romanian_texts(
    client: Client, make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    client.force_login(people["rep"])
    html = client.get(
        f"/deals/{deal.pk}/?framework=champ", HTTP_ACCEPT_LANGUAGE="ro"
    ).content.decode()
    assert '<option value="challenges">Provocări</option>' in html
    assert "Cu ce provocări se confruntă și ce au încercat deja?" in html


def test_an_unknown_framework_in_the_url_falls_back_to_the_processs(
    client: Client, make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    html = client_page(client, people["rep"], deal, "?framework=nonsense")
    assert "Qualification (BANT)" in html


def test_a_tampered_framework_is_refused_and_stores_nothing(
    client: Client, make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    client.force_login(people["rep"])
    response = client.post(
        f"/deals/{deal.pk}/qualification/",
        {"framework": "spiced", "criterion": "budget", "status": "weak"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Unknown qualification framework &#x27;spiced&#x27;" in response.content.decode()
    assert not QualificationAnswer.objects.exists()
