from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "traseu.events"
    label = "events"
    verbose_name = _("Events and webhooks")

    def ready(self) -> None:
        # Connect the CRM receivers and register this app's periodic jobs.
        from traseu.events import jobs, receivers  # noqa: F401
