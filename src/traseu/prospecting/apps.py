from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectingConfig(AppConfig):
    name = "traseu.prospecting"
    label = "prospecting"
    verbose_name = _("Prospecting")

    def ready(self) -> None:
        from traseu.prospecting import checks  # noqa: F401  (registers the system checks)
