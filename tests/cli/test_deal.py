"""``traseu deal``: moves go through the one transition service; show reads a deal back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.conftest import Result
from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus, StageChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_user_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRASEU_USER", raising=False)


def test_a_move_the_gate_allows_prints_the_move_and_the_new_tasks(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()

    result = traseu("deal", "move", str(deal.pk), "qualification", "--as", "rep")

    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"deal {deal.pk}: prospecting -> qualification"
    assert lines[1].startswith("  task: BANT call (due ")
    assert lines[1].endswith(", rep)")
    assert len(lines) == 2
    change = StageChange.objects.get(deal=deal, to_stage="qualification")
    assert (change.via, change.actor.username) == ("cli", "rep")  # type: ignore[union-attr]


def test_the_user_can_come_from_traseu_user(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal], monkeypatch: pytest.MonkeyPatch
) -> None:
    deal = make_deal()
    monkeypatch.setenv("TRASEU_USER", "rep2")

    result = traseu("deal", "move", str(deal.pk), "qualification")

    assert result.status == 0, result.err
    assert StageChange.objects.get(deal=deal, to_stage="qualification").actor.username == "rep2"  # type: ignore[union-attr]


def test_a_gate_rejection_exits_3_with_every_unmet_criterion(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal(industry="")

    result = traseu("deal", "move", str(deal.pk), "presentation", "--as", "rep")

    assert result.status == 3
    assert result.out == ""
    assert result.err_lines[0] == (
        "traseu: error: The deal cannot move from prospecting to presentation. [gate_rejected]"
    )
    assert result.err_lines[1] == (
        "unmet: prospecting.exit.industry [field_missing]: Industry is filled in"
        " — Set the account's industry."
    )
    assert result.err_lines[2].startswith(
        "unmet: qualification.exit.bant_budget [qualification_below]: "
    )
    assert len(result.err_lines) == 3
    deal.refresh_from_db()
    assert deal.stage == "prospecting"


def test_a_broken_route_rule_is_listed_as_a_rule(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()

    result = traseu("deal", "move", str(deal.pk), "lost", "--as", "rep")

    assert result.status == 3
    assert result.err_lines[1].startswith(
        "rule: [lost_reason_required] Losing a deal needs a lost reason."
    )


def test_losing_with_a_lost_reason(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()

    result = traseu("deal", "move", str(deal.pk), "lost", "--as", "rep", "--lost-reason", "price")

    assert (result.status, result.out) == (0, f"deal {deal.pk}: prospecting -> lost\n")
    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "price")


def test_a_manager_overrides_a_gate_with_a_reason(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal(industry="")

    result = traseu(
        "deal", "move", str(deal.pk), "qualification", "--as", "manager",
        "--override", "--reason", "Known account",
    )  # fmt: skip

    assert result.status == 0, result.err
    assert result.out.splitlines()[0] == (
        f"deal {deal.pk}: prospecting -> qualification (gate overridden)"
    )
    assert StageChange.objects.get(deal=deal, to_stage="qualification").overridden


@pytest.mark.parametrize(
    ("user", "extra", "message"),
    [
        (
            "rep",
            ("--reason", "x"),
            "Only a sales manager or an administrator may override a gate. [override_forbidden]",
        ),
        ("manager", (), "Overriding a gate needs a written reason. [override_reason_required]"),
    ],
)
def test_an_override_is_refused_without_the_right_or_a_reason(
    traseu: Callable[..., Result],
    make_deal: Callable[..., Deal],
    user: str,
    extra: tuple[str, ...],
    message: str,
) -> None:
    deal = make_deal(industry="")

    result = traseu(
        "deal", "move", str(deal.pk), "qualification", "--as", user, "--override", *extra
    )

    assert (result.status, result.err) == (2, f"traseu: error: {message}\n")


def test_a_read_only_user_may_not_move(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()

    result = traseu("deal", "move", str(deal.pk), "qualification", "--as", "viewer")

    assert (result.status, result.err) == (
        2,
        "traseu: error: viewer may not move deals. [forbidden]\n",
    )


def test_moving_without_saying_who_is_refused(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()

    result = traseu("deal", "move", str(deal.pk), "qualification")

    assert (result.status, result.err) == (
        2,
        "traseu: error: say who moves the deal: --as USER or TRASEU_USER\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("999", "qualification", "--as", "rep"), "No deal 999. [deal_not_found]"),
        (("{deal}", "qualification", "--as", "ghost"), "No user 'ghost'. [user_not_found]"),
    ],
)
def test_unknown_deal_or_user(
    traseu: Callable[..., Result],
    make_deal: Callable[..., Deal],
    args: tuple[str, ...],
    message: str,
) -> None:
    deal = make_deal()

    result = traseu("deal", "move", *(arg.format(deal=deal.pk) for arg in args))

    assert (result.status, result.err) == (2, f"traseu: error: {message}\n")


def test_the_deal_is_a_number(traseu: Callable[..., Result]) -> None:
    result = traseu("deal", "move", "acme", "won", "--as", "rep")

    assert result.status == 2
    assert "argument DEAL: invalid int value: 'acme'" in result.err


def test_show_summarises_the_deal_and_its_history(
    traseu: Callable[..., Result],
    make_deal: Callable[..., Deal],
    people: dict[str, User],
) -> None:
    people["rep"].first_name, people["rep"].last_name = "Ana", "Pop"
    people["rep"].save()
    deal = make_deal()
    traseu("deal", "move", str(deal.pk), "qualification", "--as", "rep")
    traseu("deal", "move", str(deal.pk), "prospecting", "--as", "manager", "--reason", "Too early")

    result = traseu("deal", "show", str(deal.pk))

    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[:7] == [
        f"deal {deal.pk}: Acme rollout",
        f"  account  {deal.account.name}",
        "  owner    rep (Ana Pop)",
        "  process  route v1",
        lines[4],
        "  status   open",
        "  amount   1,200.00 EUR, probability 5%",
    ]
    assert lines[4].startswith("  stage    Prospecting (prospecting) since ")
    assert lines[7:9] == ["", "history:"]
    history = [line.split() for line in lines[9:]]
    assert history[0] == ["FROM", "TO", "WHEN", "DURATION", "BY", "REASON"]
    assert [(row[0], row[1]) for row in history[1:]] == [
        ("-", "prospecting"),
        ("prospecting", "qualification"),
        ("qualification", "prospecting"),
    ]
    assert history[3][-3:] == ["manager", "Too", "early"]


def test_show_an_unknown_deal(traseu: Callable[..., Result], people: dict[str, User]) -> None:
    result = traseu("deal", "show", "404")

    assert (result.status, result.out, result.err) == (
        2,
        "",
        "traseu: error: No deal 404. [deal_not_found]\n",
    )
