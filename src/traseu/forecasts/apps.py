from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastsConfig(AppConfig):
    name = "traseu.forecasts"
    label = "forecasts"
    verbose_name = _("Forecasts")

    def ready(self) -> None:
        from traseu.crm.panels import register_deal_panel
        from traseu.forecasts.panel import forecast_category_panel

        register_deal_panel(forecast_category_panel)
