from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "traseu.sales"
    label = "sales"
    verbose_name = _("Sales: proposals, competitors, contracts")

    def ready(self) -> None:
        # Registers the deal facts provider, the deal page panels and the lost-deal receiver.
        from traseu.sales import facts, panels, receivers, report  # noqa: F401
