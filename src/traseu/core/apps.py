from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "traseu.core"
    label = "core"
    verbose_name = _("Users and teams")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from traseu.process.i18n import install_translator

        install_translator(gettext)
