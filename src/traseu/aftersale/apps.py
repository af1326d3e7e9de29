from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersaleConfig(AppConfig):
    name = "traseu.aftersale"
    label = "aftersale"
    verbose_name = _("After the sale")

    def ready(self) -> None:
        # Connects the deal_moved receiver, the facts provider, the deal page panel and the
        # feedback report page.
        from traseu.aftersale import facts, jobs, panel, receivers, reportpage  # noqa: F401
