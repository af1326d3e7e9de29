"""Upload limits: size, and kind by extension and first bytes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from traseu.core.errors import InvalidInput
from traseu.core.uploads import check_upload


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("deals.csv", "name,amount\nAcme,5000\nȘtefan SRL,10\n".encode(), "csv"),
        ("DEALS.CSV", b"\xef\xbb\xbfname\n", "csv"),
        ("deals.xlsx", b"PK\x03\x04rest-of-a-zip", "xlsx"),
    ],
)
def test_accepted_files_give_their_kind_and_stay_at_their_start(
    name: str, content: bytes, kind: str
) -> None:
    file = upload(name, content)
    assert check_upload(file, kinds=["csv", "xlsx"]) == kind
    assert file.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("deals.csv", b"MZ\x90\x00\x03binary"),  # a program renamed .csv
        ("deals.xlsx", b"name,amount\n"),  # text renamed .xlsx
        ("deals.exe", b"name,amount\n"),  # the right bytes, a wrong name
        ("deals", b"name,amount\n"),
    ],
)
def test_files_of_another_kind_are_refused(name: str, content: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload(name, content), kinds=["csv", "xlsx"])
    assert refused.value.code == "upload_type"
    assert refused.value.details == {"field": "file", "accepted": ".csv, .txt, .xlsx"}


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    assert check_upload(upload("ok.csv", b"x" * 1024), kinds=["csv"]) == "csv"
    with pytest.raises(InvalidInput) as refused:
        check_upload(upload("big.csv", b"x" * 1025), kinds=["csv"])
    assert refused.value.code == "upload_too_large"
    assert refused.value.message == "The file is larger than 1.0\xa0KB."
