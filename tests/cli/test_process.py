"""``traseu process``: validate (pure core, no database), apply, list and export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import ROUTE, Result
from traseu.crm.models import Deal
from traseu.process.loader import load_file
from traseu.process.techniques import DOCUMENTS, shipped_documents
from traseu.processes.models import ProcessVersion

OK_ROUTE = f"{ROUTE}: ok: route 'Test route', 6 working stages (en)"


def broken_copy(tmp_path: Path) -> Path:
    """The fixture route with two problems: a probability of 40 and a stage without a name."""
    text = ROUTE.read_text(encoding="utf-8")
    text = text.replace("probability: 0.3", "probability: 40")
    text = text.replace("    name: Proposal\n", "")
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def renamed_copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "renamed.yaml"
    path.write_text(ROUTE.read_text(encoding="utf-8").replace("Test route", name), "utf-8")
    return path


# --- validate ------------------------------------------------------------------------------------


def test_validate_a_good_document_prints_its_summary(traseu: Callable[..., Result]) -> None:
    result = traseu("process", "validate", str(ROUTE))

    assert (result.status, result.out.splitlines(), result.err) == (0, [OK_ROUTE], "")


def test_validate_prints_every_problem_with_file_and_line(
    traseu: Callable[..., Result], tmp_path: Path
) -> None:
    broken = broken_copy(tmp_path)
    lines = broken.read_text().splitlines()
    probability = lines.index("    probability: 40") + 1
    proposal = lines.index("  - key: proposal") + 1

    result = traseu("process", "validate", str(broken))

    assert result.status == 1
    assert result.out == ""
    assert result.err_lines == [
        f"{broken}:{probability}: stages[2].probability: probability 40 is outside [0, 1] "
        "(write 0.4 for 40%) [probability_range]",
        f"{broken}:{proposal}: stages[3].name: 'name' is required [required]",
    ]


def test_validate_keeps_going_across_files(traseu: Callable[..., Result], tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"

    result = traseu("process", "validate", str(missing), str(broken_copy(tmp_path)), str(ROUTE))

    assert result.status == 1
    assert result.out.splitlines() == [OK_ROUTE]
    assert result.err_lines[0].startswith(f"{missing}: (document): cannot read the file: ")
    assert result.err_lines[0].endswith("[unreadable]")
    assert len(result.err_lines) == 3


def test_validate_reads_technique_libraries_as_libraries(
    traseu: Callable[..., Result], tmp_path: Path
) -> None:
    library = tmp_path / "techniques.xx.yaml"
    library.write_text(
        "techniques:\n  - {key: spin, name: SPIN, summary: Ask questions.}\n  - {key: x}\n"
    )

    result = traseu("process", "validate", str(library))

    assert result.status == 1
    assert result.err_lines == [
        f"{library}:3: techniques[1].name: 'name' is required [required]",
        f"{library}:3: techniques[1].summary: 'summary' is required [required]",
    ]


def test_validate_a_good_technique_library(traseu: Callable[..., Result], tmp_path: Path) -> None:
    library = tmp_path / "techniques.xx.yaml"
    library.write_text("techniques:\n  - {key: spin, name: SPIN, summary: Ask questions.}\n")

    result = traseu("process", "validate", str(library))

    assert result.out == f"{library}: ok: technique library, 1 techniques\n"


def test_validate_needs_a_file(traseu: Callable[..., Result]) -> None:
    assert traseu("process", "validate").status == 2


@pytest.mark.skipif(not shipped_documents(), reason="no shipped process documents yet")
def test_every_shipped_document_validates(traseu: Callable[..., Result]) -> None:
    files = [str(path) for path in shipped_documents()]

    result = traseu("process", "validate", *files)

    assert (result.status, result.err) == (0, "")
    assert len(result.out.splitlines()) == len(files)


def test_the_shipped_technique_libraries_validate(traseu: Callable[..., Result]) -> None:
    libraries = sorted(str(path) for path in DOCUMENTS.glob("techniques.*.yaml"))

    result = traseu("process", "validate", *libraries)

    assert (result.status, result.err) == (0, "")


# --- apply ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_stores_a_version_once_then_reports_unchanged(
    traseu: Callable[..., Result],
) -> None:
    first = traseu("process", "apply", str(ROUTE))
    again = traseu("process", "apply", str(ROUTE))

    assert (first.status, first.out) == (0, "applied route v1\n")
    assert (again.status, again.out) == (0, "unchanged route v1\n")
    assert ProcessVersion.objects.filter(process__key="route").count() == 1


@pytest.mark.django_db
def test_apply_a_changed_document_stores_the_next_version(
    traseu: Callable[..., Result], tmp_path: Path, people: dict[str, object]
) -> None:
    traseu("process", "apply", str(ROUTE))

    result = traseu("process", "apply", str(renamed_copy(tmp_path, "Route two")), "--as", "manager")

    assert (result.status, result.out) == (0, "applied route v2\n")
    version = ProcessVersion.objects.get(process__key="route", number=2)
    assert (version.name, version.created_by) == ("Route two", people["manager"])


@pytest.mark.django_db
def test_apply_an_invalid_document_prints_its_problems_and_stores_nothing(
    traseu: Callable[..., Result], tmp_path: Path
) -> None:
    broken = broken_copy(tmp_path)

    result = traseu("process", "apply", str(broken))

    assert result.status == 1
    assert result.err == traseu("process", "validate", str(broken)).err
    assert not ProcessVersion.objects.exists()


@pytest.mark.django_db
def test_apply_a_missing_file_is_a_document_problem(
    traseu: Callable[..., Result], tmp_path: Path
) -> None:
    result = traseu("process", "apply", str(tmp_path / "nope.yaml"))

    assert result.status == 1
    assert result.err_lines[0].endswith("[unreadable]")


@pytest.mark.django_db
def test_apply_as_an_unknown_user_is_refused(
    traseu: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRASEU_USER", "ghost")

    result = traseu("process", "apply", str(ROUTE))

    assert (result.status, result.err) == (2, "traseu: error: No user 'ghost'. [user_not_found]\n")
    assert not ProcessVersion.objects.exists()


# --- list ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_without_processes_says_how_to_add_one(traseu: Callable[..., Result]) -> None:
    result = traseu("process", "list")

    assert (result.status, result.out) == (
        0,
        "no processes yet; store one with: traseu process apply FILE\n",
    )


@pytest.mark.django_db
def test_list_shows_the_latest_version_and_deals_of_every_version(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal], tmp_path: Path
) -> None:
    make_deal()
    make_deal()
    traseu("process", "apply", str(renamed_copy(tmp_path, "Route two")))
    other = tmp_path / "other.yaml"
    other.write_text(ROUTE.read_text().replace("key: route", "key: another"), "utf-8")
    traseu("process", "apply", str(other))

    result = traseu("process", "list")

    assert result.status == 0
    assert result.out.splitlines() == [
        "KEY      VERSION  NAME        LANGUAGE  WORKING STAGES  DEALS",
        "another  v1       Test route  en        6               0",
        "route    v2       Route two   en        6               2",
    ]


# --- export --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_prints_the_canonical_document_which_validates(
    traseu: Callable[..., Result], tmp_path: Path
) -> None:
    traseu("process", "apply", str(ROUTE))

    result = traseu("process", "export", "route")

    assert result.status == 0
    assert result.out.startswith("traseu: 1\nkey: route\nname: Test route\n")
    exported = tmp_path / "exported.yaml"
    exported.write_text(result.out, "utf-8")
    assert load_file(exported) == load_file(ROUTE)


@pytest.mark.django_db
def test_export_an_older_version(traseu: Callable[..., Result], tmp_path: Path) -> None:
    traseu("process", "apply", str(ROUTE))
    traseu("process", "apply", str(renamed_copy(tmp_path, "Route two")))

    latest = traseu("process", "export", "route")
    first = traseu("process", "export", "route", "--version", "1")

    assert "name: Route two\n" in latest.out
    assert "name: Test route\n" in first.out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "No process 'nope'. Apply its document first. [process_not_found]"),
        (("route", "--version", "7"), "Process 'route' has no version 7. [process_not_found]"),
    ],
)
def test_export_something_not_stored_is_refused(
    traseu: Callable[..., Result], route: ProcessVersion, args: tuple[str, ...], message: str
) -> None:
    result = traseu("process", "export", *args)

    assert (result.status, result.out, result.err) == (2, "", f"traseu: error: {message}\n")


def test_export_version_must_be_a_number(traseu: Callable[..., Result]) -> None:
    result = traseu("process", "export", "route", "--version", "latest")

    assert result.status == 2
    assert "invalid int value: 'latest'" in result.err
