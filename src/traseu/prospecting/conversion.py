"""Converting prospects into accounts, contacts and deals (one or in bulk).

Each prospect converts in its own transaction through the CRM's services (``account_create``,
``contact_create``, ``deal_create``, ``deal_contact_set``), so a deal starts exactly as one
created on the pipeline page does: first stage, its tasks, history and timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, NotFound, TraseuError
from traseu.core.models import User
from traseu.crm.access import require_writer
from traseu.crm.models import Account, Contact
from traseu.crm.services import account_create, contact_create, deal_contact_set, deal_create
from traseu.processes.models import ProcessVersion
from traseu.prospecting.fit import accounts_matching
from traseu.prospecting.models import Prospect, ProspectList, ProspectStatus

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Converted:
    prospect_id: int
    company: str
    deal_id: int
    account_id: int
    account_created: bool


@dataclass(frozen=True)
class NotConverted:
    prospect_id: int
    company: str
    code: str
    message: str


@dataclass
class ConvertReport:
    converted: list[Converted] = field(default_factory=list)
    failed: list[NotConverted] = field(default_factory=list)


def _account_for(prospect: Prospect, user: User) -> tuple[Account, bool]:
    """The account the prospect is recognised as (looked up again now), or a new one."""
    if prospect.account_id is not None and prospect.account is not None:
        return prospect.account, False
    account_id, how = accounts_matching([prospect.domain], [prospect.name_key]).find(
        prospect.domain, prospect.name_key
    )
    if account_id is not None:
        prospect.matched_by = how
        return Account.objects.get(pk=account_id), False
    account = account_create(
        acting_user=user,
        owner=user,
        name=prospect.company_name,
        domain=prospect.domain,
        industry=prospect.industry,
        employees=prospect.employees,
        annual_revenue=prospect.annual_revenue,
        country=prospect.country,
        custom=dict(prospect.custom or {}),
    )
    return account, True


def _contact_for(prospect: Prospect, account: Account, user: User) -> Contact | None:
    """The prospect's contact on the account: the one with the same e-mail, or a new one."""
    if not (prospect.contact_last_name or prospect.contact_email):
        return None
    if prospect.contact_email:
        found = account.contacts.filter(email__iexact=prospect.contact_email).first()
        if found is not None:
            return found
    return contact_create(
        acting_user=user,
        account=account,
        first_name=prospect.contact_first_name,
        last_name=prospect.contact_last_name,
        email=prospect.contact_email,
        phone=prospect.contact_phone,
        job_title=prospect.contact_title,
    )


def _convert_one(
    prospect_id: int, prospect_list: ProspectList, version: ProcessVersion, user: User, now: Clock
) -> Converted:
    with transaction.atomic():
        prospect = (
            Prospect.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=prospect_id, prospect_list=prospect_list)
            .first()
        )
        if prospect is None:
            raise NotFound(
                _("No prospect %(id)s in this list.") % {"id": prospect_id},
                code="prospect_not_found",
            )
        if prospect.status == ProspectStatus.CONVERTED:
            raise InvalidInput(
                _("%(company)s is converted already.") % {"company": prospect.company_name},
                code="prospect_converted",
            )
        if prospect.status == ProspectStatus.DISQUALIFIED:
            raise InvalidInput(
                _("%(company)s is disqualified; set it back to researching to convert it.")
                % {"company": prospect.company_name},
                code="prospect_disqualified",
            )
        account, created = _account_for(prospect, user)
        contact = _contact_for(prospect, account, user)
        deal = deal_create(
            title=account.name,
            account=account,
            owner=user,
            process_version=version,
            acting_user=user,
            source=prospect.source or "prospecting",
            clock=now,
        )
        if contact is not None:
            deal_contact_set(deal=deal, contact=contact, role="other", acting_user=user, clock=now)
        prospect.account, prospect.deal = account, deal
        prospect.status, prospect.converted_at = ProspectStatus.CONVERTED, now()
        prospect.save()
    return Converted(prospect.pk, prospect.company_name, deal.pk, account.pk, created)


def prospects_convert(
    *,
    prospect_list: ProspectList,
    prospect_ids: Sequence[int],
    process_version: ProcessVersion,
    acting_user: User,
    clock: Clock = timezone.now,
) -> ConvertReport:
    """Convert prospects of ``prospect_list`` into deals in the first stage of
    ``process_version``, owned by ``acting_user``.

    For each prospect, in one transaction: the account it is recognised as (or a new one),
    its contact on that account (or a new one), a deal through ``deal_create`` (the first
    stage's tasks, history and timeline), the contact on the deal, and the prospect marked
    converted. Guarantees: a prospect that fails (missing, converted already, disqualified,
    refused by a service) leaves nothing behind and is reported with its reason; the others are
    converted all the same.
    """
    require_writer(acting_user)
    report = ConvertReport()
    for prospect_id in dict.fromkeys(prospect_ids):
        try:
            report.converted.append(
                _convert_one(prospect_id, prospect_list, process_version, acting_user, clock)
            )
        except TraseuError as error:
            failure = (error.code, error.message)
        except DatabaseError as error:  # a constraint the services did not foresee
            failure = ("database_error", str(error))
        else:
            continue
        company = (
            Prospect.objects.filter(pk=prospect_id, prospect_list=prospect_list)
            .values_list("company_name", flat=True)
            .first()
        )
        report.failed.append(NotConverted(prospect_id, company or "", *failure))
    return report
