"""The deal page's qualification panel: the framework shown, its questions with every answer,
and the assessment of the current answers (score, estimated chance of winning and the answers
that moved it), computed by :func:`traseu.process.qualification.assess`.

One query: the deal's answers in the framework shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from traseu.crm.models import Deal, QualificationAnswer
from traseu.process.definition import QUALIFICATION_FRAMEWORKS, ProcessDefinition
from traseu.process.qualification import AnswerEffect, Assessment, Framework, assess

FRAMEWORK = "bant"
# The names of BANT's questions in the interface's catalogue; other frameworks name their
# criteria in their own files (in English and Romanian).
QUESTION_LABELS: dict[str, Promise] = {
    "budget": _("Budget"),
    "authority": _("Authority"),
    "need": _("Need"),
    "timeline": _("Timeline"),
}
QUALIFICATION_STATUS_LABELS: dict[str, Promise] = {
    "unknown": _("Unknown"),
    "weak": _("Weak"),
    "partial": _("Partial"),
    "confirmed": _("Confirmed"),
    "disqualifying": _("Disqualifying"),
}


@dataclass(frozen=True)
class QuestionRow:
    """One qualification question: its current answer and every answer, newest first; the
    questions to ask, and what the current answer does to the score and the estimate."""

    criterion: str
    label: str
    status: str
    status_label: str
    answers: list[QualificationAnswer]
    questions: tuple[str, ...] = ()
    effect: AnswerEffect | None = None


@dataclass(frozen=True)
class EffectRow:
    """An answer that moved the estimate: ``points`` in percentage points, signed."""

    label: str
    status_label: str
    points: str
    up: bool


@dataclass(frozen=True)
class QualificationPanel:
    """The qualification panel: the framework shown, the others to pick, the assessment."""

    framework: Framework
    name: str
    description: str
    choices: list[tuple[str, str, bool]]  # key, name, shown
    assessment: Assessment
    effects: list[EffectRow]

    @property
    def probability_percent(self) -> int:
        return round(self.assessment.probability * 100)

    @property
    def prior_percent(self) -> int:
        return round(self.assessment.prior * 100)


def shown_framework(wanted: str | None, definition: ProcessDefinition) -> Framework:
    """The framework asked for if known, else the process's, else the first known."""
    for key in (wanted, definition.qualification, FRAMEWORK):
        if key and key in QUALIFICATION_FRAMEWORKS:
            return QUALIFICATION_FRAMEWORKS[key]
    return next(iter(QUALIFICATION_FRAMEWORKS.values()))


def question_label(framework: Framework, criterion: str) -> str:
    """A criterion's name: BANT's from the catalogue, others' from their file's language."""
    if framework.key == FRAMEWORK and criterion in QUESTION_LABELS:
        return str(QUESTION_LABELS[criterion])
    found = framework.criterion(criterion)
    return found.name_in(get_language() or "en") if found else criterion


def qualification_rows(deal: Deal, framework: Framework) -> list[QuestionRow]:
    answers: dict[str, list[QualificationAnswer]] = defaultdict(list)
    rows = QualificationAnswer.objects.filter(deal=deal, framework=framework.key).select_related(
        "answered_by"
    )
    for answer in rows.order_by("criterion", "-answered_at", "-pk"):
        answers[answer.criterion].append(answer)
    current = {criterion: history[0].status for criterion, history in answers.items()}
    effects = {effect.criterion: effect for effect in assess(framework, current).effects}
    language = get_language() or "en"
    questions = []
    for criterion in framework.criteria:
        history = answers.get(criterion.key, [])
        status = history[0].status if history else "unknown"
        questions.append(
            QuestionRow(
                criterion=criterion.key,
                label=question_label(framework, criterion.key),
                status=status,
                status_label=str(QUALIFICATION_STATUS_LABELS.get(status, status)),
                answers=history,
                questions=criterion.questions_in(language),
                effect=effects.get(criterion.key),
            )
        )
    return questions


def qualification_panel(
    framework: Framework, definition: ProcessDefinition, questions: list[QuestionRow]
) -> QualificationPanel:
    """The assessment of the current answers, and the answers that moved the estimate most."""
    assessment = assess(framework, {row.criterion: row.status for row in questions})
    labels = {row.criterion: row for row in questions}
    moved = sorted(
        (e for e in assessment.effects if round(e.effect * 100)),
        key=lambda e: -abs(e.effect),
    )
    effects = [
        EffectRow(
            label=labels[e.criterion].label,
            status_label=labels[e.criterion].status_label,
            points=f"{round(e.effect * 100):+d}",
            up=e.effect > 0,
        )
        for e in moved
    ]
    language = get_language() or "en"
    keys = [definition.qualification, *sorted(QUALIFICATION_FRAMEWORKS)]
    choices = [
        (key, QUALIFICATION_FRAMEWORKS[key].name_in(language), key == framework.key)
        for key in dict.fromkeys(keys)
        if key in QUALIFICATION_FRAMEWORKS
    ]
    return QualificationPanel(
        framework=framework,
        name=framework.name_in(language),
        description=framework.description_in(language),
        choices=choices,
        assessment=assessment,
        effects=effects,
    )
