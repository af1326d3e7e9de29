"""What the after-sale records tell the stage criteria (registered with the CRM's facts builder).

``deal.feedback_received`` is true once the follow-up call's feedback (the NPS answer) is
recorded, so the accompaniment stage's exit can require it whatever form the team used to
record it. Feedback exists only for won deals (the follow-up is planned at the win), so an
open or lost deal costs no query; a won one costs one.
"""

from __future__ import annotations

import datetime as dt

from traseu.aftersale.models import Feedback
from traseu.crm.facts import FactsContribution, register_facts_provider
from traseu.crm.models import Deal, DealStatus


@register_facts_provider
def aftersale_facts(deal: Deal, now: dt.datetime) -> FactsContribution:
    received = deal.status == DealStatus.WON and Feedback.objects.filter(deal_id=deal.pk).exists()
    return FactsContribution(deal={"feedback_received": received})
