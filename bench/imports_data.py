"""A large prospects CSV for the import benchmark, written row by row (nothing held in memory).

Faker would take longer than the import: names, words and places come from small pools and are
combined by the row number, so every run writes the same file. Twelve columns; one row in 50
repeats an earlier company (same domain, another spelling) so de-duplication has work, and
the first domains of the pool belong to existing accounts (recognition has work too).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

COLUMNS = (
    "Company",
    "Website",
    "Industry",
    "Employees",
    "Annual Revenue",
    "Country",
    "First Name",
    "Last Name",
    "Email",
    "Title",
    "Phone",
    "Prospect ID",
)
FIELDS = (
    "company_name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_title",
    "contact_phone",
    "external_id",
)
FIRST = ("Ana", "Ion", "Maria", "Andrei", "Elena", "Mihai", "Ioana", "Radu", "Sofia", "Dan")
LAST = ("Popescu", "Ionescu", "Popa", "Stan", "Dumitru", "Stoica", "Gheorghe", "Rusu", "Munteanu")
WORDS = (
    *("Nord", "Delta", "Carpat", "Dunăre", "Vest", "Alfa", "Orion", "Atlas", "Vertex", "Lumen"),
    *("Soft", "Data", "Logic", "Net", "Cloud", "Tech", "Works", "Labs", "Grup", "Trade"),
)
FORMS = ("SRL", "S.R.L.", "SA", "", "GmbH", "Ltd")
INDUSTRIES = ("Software", "IT services", "SaaS", "Retail", "Manufacturing", "Logistics", "")
COUNTRIES = ("RO", "MD", "PL", "DE", "HU", "BG", "US", "")
TITLES = ("CEO", "CTO", "Owner", "Head of Sales", "Purchasing manager", "")
TLDS = ("ro", "com", "eu", "md", "de")
EXISTING_ACCOUNTS = 1000


def company(n: int) -> tuple[str, str]:
    """The company of row ``n``: its name and its web domain."""
    first, second = WORDS[n % 20], WORDS[(n // 20) % 20]
    number = n // 400
    name = f"{first}{second} {number} {FORMS[n % 6]}".strip()
    domain = f"{first.lower()}{second.lower()}{number}.{TLDS[n % 5]}".replace("ă", "a")
    return name, domain


def row(n: int) -> tuple[str, ...]:
    """Row ``n`` (0-based) as text cells, in COLUMNS order."""
    same = n - 1 if n % 50 == 49 else n  # a repeat of the previous company
    name, domain = company(same)
    first, last = FIRST[n % 10], LAST[(n // 10) % 9]
    website = f"https://www.{domain}/" if n % 3 == 0 else domain
    employees = "" if n % 11 == 0 else str(5 + (n * 37) % 2000)
    revenue = "" if n % 7 == 0 else f"{(n * 7919) % 50_000_000}.{n % 100:02d}"
    return (
        name if same == n else name.upper(),
        website,
        INDUSTRIES[n % 7],
        employees,
        revenue,
        COUNTRIES[n % 8].lower() if n % 5 == 0 else COUNTRIES[n % 8],
        first,
        last,
        f"{first.lower()}.{last.lower()}{n}@{domain}",
        TITLES[n % 6],
        f"+40 7{n % 100:02d} {n % 1000:03d} {n % 997:03d}",
        f"P{n:07d}" if same == n else f"P{same:07d}",
    )


def rows(count: int) -> Iterator[tuple[str, ...]]:
    for n in range(count):
        yield row(n)


def write_csv(path: Path, count: int) -> int:
    """Write ``count`` rows (and the header) to ``path``; its size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows(count))
    return path.stat().st_size


def existing_accounts() -> Iterator[tuple[str, str]]:
    """(name, domain) of the accounts the CRM knows before the import."""
    for n in range(0, EXISTING_ACCOUNTS * 37, 37):
        yield company(n)
