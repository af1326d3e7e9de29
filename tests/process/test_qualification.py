"""Qualification frameworks as data: loading (with precise problems), the registry, the score and
the probability estimate with its explanation, and the ``qualification`` criterion's freshness.

Pure core: no database.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import pytest
import yaml
from tests.process.conftest import LIBRARY, base_document

from traseu.process.criteria import EvaluationContext, evaluate
from traseu.process.definition import QUALIFICATION_FRAMEWORKS, CriterionSpec
from traseu.process.document import digest, to_document
from traseu.process.errors import ProcessDocumentError
from traseu.process.facts import DealFacts
from traseu.process.frameworks import configured_paths, load_framework_text, load_frameworks
from traseu.process.loader import build_definition, load_text
from traseu.process.qualification import (
    FRAMEWORKS_DIR,
    PATHS_ENV,
    FrameworkRegistry,
    assess,
    question_problem,
)

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


# --- the shipped frameworks --------------------------------------------------------------------


def test_bant_meddicc_and_champ_are_shipped_with_english_and_romanian_texts() -> None:
    assert sorted(QUALIFICATION_FRAMEWORKS) == ["bant", "champ", "meddicc"]
    bant = QUALIFICATION_FRAMEWORKS["bant"]
    assert list(bant) == ["budget", "authority", "need", "timeline"], "iterates its keys, in order"
    assert "need" in bant
    assert "champion" not in bant
    assert list(QUALIFICATION_FRAMEWORKS["meddicc"]) == [
        "metrics",
        "economic_buyer",
        "decision_criteria",
        "decision_process",
        "identify_pain",
        "champion",
        "competition",
    ]
    assert list(QUALIFICATION_FRAMEWORKS["champ"]) == [
        "challenges",
        "authority",
        "money",
        "prioritization",
    ]
    for framework in QUALIFICATION_FRAMEWORKS.values():
        for criterion in framework.criteria:
            assert criterion.name_in("en"), criterion.key
            assert criterion.name_in("ro"), criterion.key
            assert criterion.questions_in("en"), criterion.key
            assert criterion.questions_in("ro"), criterion.key
    assert bant.criterion("budget").name_in("ro") == "Buget"  # type: ignore[union-attr]
    assert bant.criterion("budget").name_in("ro-RO") == "Buget", "a regional variant falls back"  # type: ignore[union-attr]
    assert bant.criterion("budget").name_in("de") == "Budget", "an unknown language: English"  # type: ignore[union-attr]


# --- score and probability ---------------------------------------------------------------------


def test_the_bant_assessment_is_exact_and_explains_every_answer() -> None:
    """Given budget confirmed, need partial, timeline weak and authority unanswered."""
    bant = QUALIFICATION_FRAMEWORKS["bant"]
    answers = {"budget": "confirmed", "need": "partial", "timeline": "weak"}

    result = assess(bant, answers)

    # Score: weights 25/25/30/20, credit confirmed 1, partial 0.6, weak 0.25, unknown 0.
    assert result.score == 48  # 25*1 + 30*0.6 + 20*0.25 = 48
    # Log-odds: budget +0.8, need partial +0.3, timeline weak -0.5; prior 20 %.
    total = 0.8 + 0.3 - 0.5
    assert result.log_odds == pytest.approx(total)
    assert result.probability == pytest.approx(sigmoid(logit(0.2) + total), abs=1e-12)
    effects = {e.criterion: e for e in result.effects}
    assert [e.criterion for e in result.effects] == ["budget", "authority", "need", "timeline"]
    assert effects["budget"].effect == pytest.approx(
        result.probability - sigmoid(logit(0.2) + total - 0.8), abs=1e-12
    )
    assert effects["timeline"].effect == pytest.approx(
        result.probability - sigmoid(logit(0.2) + total + 0.5), abs=1e-12
    )
    assert effects["authority"].effect == 0.0
    assert (effects["need"].points, effects["timeline"].points) == (18.0, 5.0)
    assert [e.criterion for e in result.raised] == ["budget", "need"]
    assert [e.criterion for e in result.lowered] == ["timeline"]
    assert (result.answered, result.disqualified) == (3, False)


def test_need_has_its_own_log_odds_in_bant() -> None:
    bant = QUALIFICATION_FRAMEWORKS["bant"]
    assert assess(bant, {"need": "confirmed"}).log_odds == pytest.approx(1.0)
    assert assess(bant, {"need": "weak"}).log_odds == pytest.approx(-0.7)
    assert assess(bant, {"budget": "weak"}).log_odds == pytest.approx(-0.5)


def test_no_answers_give_the_prior_and_a_zero_score() -> None:
    result = assess(QUALIFICATION_FRAMEWORKS["meddicc"], {})
    assert (result.score, result.answered) == (0, 0)
    assert result.probability == pytest.approx(0.15)
    assert all(effect.effect == 0 for effect in result.effects)


def test_all_confirmed_scores_100() -> None:
    champ = QUALIFICATION_FRAMEWORKS["champ"]
    result = assess(champ, dict.fromkeys(champ, "confirmed"))
    assert result.score == 100
    assert result.probability == pytest.approx(sigmoid(logit(0.2) + 1.0 + 0.8 + 0.8 + 0.8))


def test_a_disqualifying_answer_pulls_the_estimate_down_and_is_flagged() -> None:
    bant = QUALIFICATION_FRAMEWORKS["bant"]
    result = assess(bant, {"budget": "confirmed", "authority": "disqualifying"})
    assert result.disqualified
    assert result.probability == pytest.approx(sigmoid(logit(0.2) + 0.8 - 3.0))
    assert result.lowered[0].criterion == "authority"
    assert result.score == 25, "a disqualifying answer earns no credit"


def test_unknown_criteria_and_statuses_count_as_unknown() -> None:
    bant = QUALIFICATION_FRAMEWORKS["bant"]
    result = assess(bant, {"budget": "great", "champion": "confirmed"})
    assert (result.score, result.log_odds, result.answered) == (0, 0.0, 0)


def test_a_given_prior_replaces_the_frameworks_and_is_clamped() -> None:
    bant = QUALIFICATION_FRAMEWORKS["bant"]
    assert assess(bant, {"budget": "confirmed"}, prior=0.5).probability == pytest.approx(
        sigmoid(0.8)
    )
    assert assess(bant, {}, prior=1.0).probability == pytest.approx(0.999)
    assert assess(bant, {}, prior=0.0).probability == pytest.approx(0.001)


def test_the_score_rounds_half_up() -> None:
    """Weights 1 and 1 with credits 0.25 (weak) and 0: 12.5 is 13, not the even 12."""
    framework = load_framework_text(
        "framework: halves\nname: Halves\ncriteria:\n  - {key: a, name: A}\n  - {key: b, name: B}\n"
    )
    assert assess(framework, {"a": "weak"}).score == 13


# --- loading and its problems ------------------------------------------------------------------

GOOD = """\
traseu: 1
framework: spiced
name: {en: SPICED, ro: SPICED}
prior: 0.25
statuses:
  weak: {credit: 0.2, log_odds: -0.4}
criteria:
  - key: situation
    name: {en: Situation, ro: Situație}
    weight: 2
    questions:
      en: ["What is their situation?"]
      ro: ["Care este situația lor?"]
  - key: pain
    name: Pain
    questions: ["Where does it hurt?"]
    log_odds: {confirmed: 1.5}
"""


def test_a_team_framework_loads_with_defaults_and_overrides() -> None:
    framework = load_framework_text(GOOD, file="spiced.yaml")
    situation, pain = framework.criteria
    assert (framework.key, framework.prior, framework.file) == ("spiced", 0.25, "spiced.yaml")
    assert framework.credit["weak"] == 0.2
    assert framework.credit["partial"] == 0.6
    assert (situation.weight, pain.weight) == (2.0, 1.0)
    assert situation.log_odds["weak"] == -0.4, "the framework's table"
    assert pain.log_odds["confirmed"] == 1.5
    assert pain.log_odds["weak"] == -0.4
    assert situation.questions_in("ro") == ("Care este situația lor?",)
    assert pain.name_in("ro") == "Pain", "a text written once serves every language"


def _problems(text: str) -> list[tuple[str, str, int]]:
    with pytest.raises(ProcessDocumentError) as caught:
        load_framework_text(text, file="f.yaml")
    assert all(p.file == "f.yaml" for p in caught.value.problems)
    return [(p.code, p.path, p.line) for p in caught.value.problems]


def _line(text: str, needle: str) -> int:
    """The last line holding ``needle`` (a duplicate is reported where it repeats)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line][-1]


@pytest.mark.parametrize(
    ("old", "new", "code", "path", "needle"),
    [
        ("framework: spiced", "framework: Spiced!", "invalid_key", "framework", "framework:"),
        ("prior: 0.25", "prior: 1.5", "probability_range", "prior", "prior:"),
        ("prior: 0.25", "prior: 0.25\ncolour: red", "unknown_field", "colour", "colour:"),
        ("    weight: 2", "    weight: 0", "weight_range", "criteria[0].weight", "weight: 0"),
        (
            "  weak: {credit: 0.2",
            "  great: {credit: 0.2",
            "unknown_status",
            "statuses.great",
            "great:",
        ),
        (
            "  weak: {credit: 0.2, log_odds: -0.4}",
            "  weak: {credit: 1.2, log_odds: -0.4}",
            "value_range",
            "statuses.weak.credit",
            "weak:",
        ),
        (
            "  weak: {credit: 0.2, log_odds: -0.4}",
            "  weak: {credit: 0.7, log_odds: -0.4}",
            "status_order",
            "statuses",
            "statuses:",
        ),
        (
            "log_odds: {confirmed: 1.5}",
            "log_odds: {confirmed: 0.1}",
            "status_order",
            "criteria[1].log_odds",
            "log_odds: {confirmed: 0.1}",
        ),
        ("  - key: pain", "  - key: situation", "duplicate_key", "criteria[1].key", "key: situ"),
        (
            "name: {en: Situation, ro: Situație}",
            "name: {english: Situation}",
            "invalid_value",
            "criteria[0].name.english",
            "name: {english",
        ),
        ("    name: Pain\n", "", "required", "criteria[1].name", "- key: pain"),
    ],
    ids=[
        "invalid-key",
        "prior-range",
        "unknown-field",
        "weight-range",
        "unknown-status",
        "credit-range",
        "credit-order",
        "log-odds-order",
        "duplicate-criterion",
        "language-code",
        "name-required",
    ],
)
def test_each_problem_has_its_code_path_and_line(
    old: str, new: str, code: str, path: str, needle: str
) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new)
    assert _problems(text) == [(code, path, _line(text, needle))]


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    text = GOOD.replace("prior: 0.25", "prior: 2").replace("    weight: 2", "    weight: -1")
    assert [code for code, _path, _line in _problems(text)] == [
        "probability_range",
        "weight_range",
    ]


def test_a_framework_needs_criteria_and_valid_yaml() -> None:
    assert _problems("framework: x\nname: X\n") == [("criteria_required", "criteria", 1)]
    assert _problems("framework: x\nname: [unclosed\n")[0][0] == "yaml_syntax"
    assert _problems("") == [("empty_document", "", 0)]


def test_an_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ProcessDocumentError) as caught:
        load_frameworks([tmp_path / "missing.yaml"])
    assert caught.value.problems[0].code == "unreadable"


# --- the registry: shipped files plus a team's own ---------------------------------------------


def test_a_team_adds_its_frameworks_through_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spiced.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setenv(PATHS_ENV, str(tmp_path))
    assert configured_paths() == [str(FRAMEWORKS_DIR), str(tmp_path)]

    registry = FrameworkRegistry(lambda: load_frameworks(configured_paths()))

    assert sorted(registry) == ["bant", "champ", "meddicc", "spiced"]
    assert registry["spiced"].file == str(tmp_path / "spiced.yaml")


def test_a_team_file_cannot_replace_a_shipped_framework(tmp_path: Path) -> None:
    clash = tmp_path / "my-bant.yaml"
    clash.write_text(GOOD.replace("framework: spiced", "framework: bant"), encoding="utf-8")
    with pytest.raises(ProcessDocumentError) as caught:
        load_frameworks([FRAMEWORKS_DIR, clash])
    [problem] = caught.value.problems
    assert (problem.code, problem.file) == ("duplicate_framework", str(clash))
    assert "bant.yaml" in problem.message


def test_the_registry_loads_lazily_and_reloads(tmp_path: Path) -> None:
    calls: list[int] = []

    def load() -> dict[str, object]:
        calls.append(1)
        return load_frameworks([FRAMEWORKS_DIR])  # type: ignore[return-value]

    registry = FrameworkRegistry(load)  # type: ignore[arg-type]
    assert calls == []
    assert "bant" in registry
    assert len(registry) == 3
    assert calls == [1], "loaded once"
    (tmp_path / "spiced.yaml").write_text(GOOD, encoding="utf-8")
    registry.reload([FRAMEWORKS_DIR, tmp_path])
    assert "spiced" in registry


def test_question_problem_names_the_field() -> None:
    assert question_problem("bant", "budget") is None
    framework = question_problem("spiced", "pain")
    criterion = question_problem("bant", "champion")
    assert framework is not None
    assert framework.field == "framework"
    assert "Unknown qualification framework 'spiced'" in framework.message
    assert criterion is not None
    assert criterion.field == "criterion"
    assert criterion.message.startswith("'champion' is not a question of BANT")


# --- the qualification criterion: any framework, and fresh answers -----------------------------


def check(params: dict[str, object], facts: DealFacts, now: dt.datetime = NOW) -> bool:
    spec = CriterionSpec("qualification", "q", params)
    return evaluate(spec, stage="s", phase="exit", context=EvaluationContext(facts, now)).met


def test_a_criterion_can_ask_for_a_fresh_answer() -> None:
    params = {"framework": "bant", "criterion": "budget", "at_least": "partial", "within_days": 30}
    answered = {"bant": {"budget": NOW - dt.timedelta(days=29, hours=23)}}
    facts = DealFacts(
        qualification={"bant": {"budget": "confirmed"}}, qualification_answered=answered
    )
    assert check(params, facts)
    assert not check(params, facts, now=NOW + dt.timedelta(hours=2)), "30 days old: stale"
    assert not check(params, DealFacts(qualification={"bant": {"budget": "confirmed"}})), (
        "no answer time: not fresh"
    )
    weak = DealFacts(qualification={"bant": {"budget": "weak"}}, qualification_answered=answered)
    assert not check(params, weak), "fresh but too weak"
    assert check(
        {**params, "within_days": 0}, DealFacts(qualification={"bant": {"budget": "partial"}})
    )


def test_the_fresh_criterion_says_so() -> None:
    spec = CriterionSpec(
        "qualification",
        "q",
        {"framework": "bant", "criterion": "budget", "at_least": "partial", "within_days": 30},
    )
    result = evaluate(spec, stage="s", phase="exit", context=EvaluationContext(DealFacts(), NOW))
    assert result.message == "BANT Budget is at least partial, answered in the last 30 days"
    assert result.help == "Ask the budget question again and record the answer."


def test_a_process_names_its_framework_and_criteria_default_to_it() -> None:
    document = base_document()
    document["qualification"] = "meddicc"
    stage = document["stages"][1]
    stage["exit"] = [
        {"kind": "qualification", "criterion": "champion", "at_least": "partial"},
        {"kind": "qualification", "framework": "bant", "criterion": "need", "at_least": "weak"},
    ]
    definition, problems = build_definition(document, library=LIBRARY)

    assert problems == []
    assert definition is not None
    assert definition.qualification == "meddicc"
    champion, need = definition.stages[1].exit
    assert (champion.params["framework"], champion.key) == ("meddicc", "meddicc_champion")
    assert need.params["framework"] == "bant"


def test_the_framework_and_within_days_round_trip_through_the_canonical_document() -> None:
    document = base_document()
    document["qualification"] = "champ"
    document["stages"][1]["exit"] = [
        {"kind": "qualification", "criterion": "money", "at_least": "partial", "within_days": 14}
    ]
    definition, problems = build_definition(document, library=LIBRARY)
    assert problems == []
    assert definition is not None

    canonical = to_document(definition)
    again, _ = build_definition(canonical, library=LIBRARY)

    assert canonical["qualification"] == "champ"
    assert canonical["stages"][1]["exit"][0]["within_days"] == 14
    assert again is not None
    assert digest(again) == digest(definition)


def test_a_process_without_a_framework_keeps_its_old_canonical_document() -> None:
    """BANT, the default, and within_days 0 are not written: old digests do not change."""
    definition, _ = build_definition(base_document(), library=LIBRARY)
    assert definition is not None
    assert definition.qualification == "bant"
    canonical = to_document(definition)
    assert "qualification" not in canonical
    criteria = [c for s in canonical["stages"] for c in (*s.get("exit", []), *s.get("entry", []))]
    assert all("within_days" not in c for c in criteria if c["kind"] == "qualification")


def test_an_unknown_process_framework_is_reported_with_its_line() -> None:
    document = base_document()
    document["qualification"] = "spiced"
    text = yaml.safe_dump(document, sort_keys=False)
    with pytest.raises(ProcessDocumentError) as caught:
        load_text(text, file="p.yaml", library=LIBRARY)
    [problem] = caught.value.problems
    assert (problem.code, problem.path, problem.line) == (
        "unknown_framework",
        "qualification",
        _line(text, "qualification: spiced"),
    )


def test_within_days_must_be_a_whole_number() -> None:
    document = base_document()
    document["stages"][1]["exit"] = [
        {"kind": "qualification", "criterion": "need", "at_least": "weak", "within_days": -3}
    ]
    _definition, problems = build_definition(document, library=LIBRARY)
    assert [(p.code, p.path) for p in problems] == [
        ("criterion_param_invalid", "stages[1].exit[0].within_days")
    ]


def test_the_shipped_frameworks_are_valid_files() -> None:
    for path in sorted(FRAMEWORKS_DIR.glob("*.yaml")):
        text = textwrap.dedent(path.read_text(encoding="utf-8"))
        assert load_framework_text(text, file=str(path)).key == path.stem
