"""Qualification frameworks as data, and what a deal's answers say: a score and a probability.

A framework (BANT, MEDDICC, CHAMP, a team's own) is a YAML file: its criteria, each with a name,
questions, a weight (for the score) and how each answer status moves the odds of winning (for the
probability). The shipped files are in ``documents/frameworks/``; a team adds its own through the
``TRASEU_QUALIFICATION_FRAMEWORKS`` environment variable (directories or files, separated by
``os.pathsep``). The format is documented in ``docs/qualification.md``.

:data:`QUALIFICATION_FRAMEWORKS` is the registry, loaded on first use by
:mod:`traseu.process.frameworks`. Iterating a :class:`Framework` yields its criterion keys, as
the tuple of questions it replaces did.

:func:`assess` is pure maths over ``{criterion: status}``: the weighted score (0-100) and a
probability estimate with, for every answer, how much it raised or lowered the estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from traseu.process.i18n import _

# Every framework answers its criteria with one of these statuses. "disqualifying" is outside
# the ladder: it never satisfies an "at least" requirement.
QUALIFICATION_LADDER = ("unknown", "weak", "partial", "confirmed")
QUALIFICATION_STATUSES = (*QUALIFICATION_LADDER, "disqualifying")

FRAMEWORKS_DIR = Path(__file__).parent / "documents" / "frameworks"
PATHS_ENV = "TRASEU_QUALIFICATION_FRAMEWORKS"
DEFAULT_FRAMEWORK = "bant"
DEFAULT_PRIOR = 0.2
# How an answer counts when the file does not say: the share of the criterion's weight it earns
# (credit) and how it moves the odds of winning (log-odds, added to the prior's).
DEFAULT_CREDIT: Mapping[str, float] = MappingProxyType(
    {
        "unknown": 0.0,
        "weak": 0.25,
        "partial": 0.6,
        "confirmed": 1.0,
        "disqualifying": 0.0,
    }
)
DEFAULT_LOG_ODDS: Mapping[str, float] = MappingProxyType(
    {
        "unknown": 0.0,
        "weak": -0.5,
        "partial": 0.3,
        "confirmed": 0.8,
        "disqualifying": -3.0,
    }
)

Texts = Mapping[str, str]  # language -> text


def localized(texts: Mapping[str, Any], language: str) -> Any:
    """The text for ``language``: exact, then its base language, then English, then any."""
    base = language.lower().split("-")[0]
    for candidate in (language.lower(), base, "en"):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()), "")


@dataclass(frozen=True, slots=True)
class FrameworkCriterion:
    """One criterion of a framework (BANT's budget): texts per language, weight, odds."""

    key: str
    name: Texts
    questions: Mapping[str, tuple[str, ...]]
    weight: float
    log_odds: Mapping[str, float]  # every status
    help: Texts

    def name_in(self, language: str) -> str:
        return str(localized(self.name, language))

    def questions_in(self, language: str) -> tuple[str, ...]:
        return tuple(localized(self.questions, language) or ())

    def help_in(self, language: str) -> str:
        return str(localized(self.help, language)) if self.help else ""


@dataclass(frozen=True, slots=True)
class Framework:
    """A qualification framework. Iterating it yields its criterion keys, in order."""

    key: str
    name: Texts
    criteria: tuple[FrameworkCriterion, ...]
    prior: float = DEFAULT_PRIOR
    credit: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_CREDIT))
    description: Texts = field(default_factory=dict)
    source: str = ""
    file: str = ""

    def __iter__(self) -> Iterator[str]:
        return iter(criterion.key for criterion in self.criteria)

    def __contains__(self, key: object) -> bool:
        return any(criterion.key == key for criterion in self.criteria)

    def __len__(self) -> int:
        return len(self.criteria)

    def criterion(self, key: str) -> FrameworkCriterion | None:
        return next((c for c in self.criteria if c.key == key), None)

    def name_in(self, language: str) -> str:
        return str(localized(self.name, language))

    def description_in(self, language: str) -> str:
        return str(localized(self.description, language)) if self.description else ""

    @property
    def total_weight(self) -> float:
        return sum(criterion.weight for criterion in self.criteria)


# --- assessment -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerEffect:
    """What one criterion's current answer does to the score and to the probability.

    ``points`` is its share of the 0-100 score; ``log_odds`` what it adds to the odds; ``effect``
    the estimate with every answer minus the estimate without this one (signed, 0-1).
    """

    criterion: str
    status: str
    weight: float
    credit: float
    points: float
    log_odds: float
    effect: float


@dataclass(frozen=True, slots=True)
class Assessment:
    """A framework's answers read together: score, probability and every answer's part."""

    framework: str
    score: int  # 0-100, the weighted share of full confirmation
    probability: float  # 0-1
    prior: float
    log_odds: float  # the sum of the answers' log-odds
    effects: tuple[AnswerEffect, ...]  # one per criterion, in the framework's order

    @property
    def answered(self) -> int:
        return sum(effect.status != "unknown" for effect in self.effects)

    @property
    def disqualified(self) -> bool:
        return any(effect.status == "disqualifying" for effect in self.effects)

    @property
    def raised(self) -> tuple[AnswerEffect, ...]:
        """Answers that raised the estimate, the strongest first."""
        return tuple(sorted((e for e in self.effects if e.effect > 0), key=lambda e: -e.effect))

    @property
    def lowered(self) -> tuple[AnswerEffect, ...]:
        """Answers that lowered the estimate, the strongest first."""
        return tuple(sorted((e for e in self.effects if e.effect < 0), key=lambda e: e.effect))


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def _logit(probability: float) -> float:
    return math.log(probability / (1.0 - probability))


def round_score(value: float) -> int:
    """Half up, as people round (49.5 is 50), not to the even neighbour."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def assess(
    framework: Framework, answers: Mapping[str, str], *, prior: float | None = None
) -> Assessment:
    """Score and estimate a deal's qualification from its current answers.

    ``answers`` maps criterion keys to statuses; a missing criterion, or a status outside
    :data:`QUALIFICATION_STATUSES`, counts as ``unknown``; keys the framework does not have are
    ignored. Score: ``100 * sum(weight * credit(status)) / sum(weight)``, rounded half up.
    Probability: ``sigmoid(logit(prior) + sum(log_odds(criterion, status)))`` with ``prior``
    the framework's unless given (clamped to [0.001, 0.999]). Each answer's ``effect`` is the
    estimate minus the estimate computed without that answer.
    """
    base = min(max(framework.prior if prior is None else prior, 0.001), 0.999)
    total_weight = framework.total_weight or 1.0
    rows = []
    for criterion in framework.criteria:
        status = answers.get(criterion.key, "unknown")
        status = status if status in QUALIFICATION_STATUSES else "unknown"
        credit = framework.credit[status]
        rows.append((criterion, status, credit, criterion.log_odds[status]))
    total = sum(log_odds for *_, log_odds in rows)
    probability = _sigmoid(_logit(base) + total)
    effects = tuple(
        AnswerEffect(
            criterion=criterion.key,
            status=status,
            weight=criterion.weight,
            credit=credit,
            points=100.0 * criterion.weight * credit / total_weight,
            log_odds=log_odds,
            effect=probability - _sigmoid(_logit(base) + total - log_odds),
        )
        for criterion, status, credit, log_odds in rows
    )
    score = round_score(sum(effect.points for effect in effects))
    return Assessment(
        framework=framework.key,
        score=score,
        probability=probability,
        prior=base,
        log_odds=total,
        effects=effects,
    )


class FrameworkRegistry(Mapping[str, Framework]):
    """The frameworks by key, loaded from :func:`configured_paths` on first use.

    Loading lazily keeps importing the core free of file reads and of the environment; a broken
    framework file raises ``ProcessDocumentError`` (with file and line) at first use.
    """

    def __init__(self, load: Callable[[], dict[str, Framework]]) -> None:
        self._load = load
        self._frameworks: dict[str, Framework] | None = None

    def _all(self) -> dict[str, Framework]:
        if self._frameworks is None:
            self._frameworks = self._load()
        return self._frameworks

    def __getitem__(self, key: str) -> Framework:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def reload(self, paths: Sequence[str | Path] | None = None) -> None:
        """Load again (from ``paths`` instead of the configured ones, if given)."""
        from traseu.process.frameworks import load_frameworks

        self._frameworks = self._load() if paths is None else load_frameworks(paths)


def _configured() -> dict[str, Framework]:
    # Imported here: the loader builds this module's classes.
    from traseu.process.frameworks import configured_paths, load_frameworks

    return load_frameworks(configured_paths())


QUALIFICATION_FRAMEWORKS = FrameworkRegistry(_configured)


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    field: str  # "framework" or "criterion"
    message: str


def question_problem(framework: str, criterion: str) -> AnswerProblem | None:
    """Why ``framework``/``criterion`` cannot be answered (not a known question), or None."""
    known = QUALIFICATION_FRAMEWORKS.get(framework)
    if known is None:
        return AnswerProblem(
            "framework",
            _("Unknown qualification framework '%(framework)s'; known: %(known)s.")
            % {"framework": framework, "known": ", ".join(QUALIFICATION_FRAMEWORKS)},
        )
    if criterion not in known:
        return AnswerProblem(
            "criterion",
            _("'%(criterion)s' is not a question of %(framework)s; questions: %(known)s.")
            % {"criterion": criterion, "framework": known.name_in("en"), "known": ", ".join(known)},
        )
    return None
