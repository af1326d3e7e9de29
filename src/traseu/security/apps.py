from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "traseu.security"
    label = "security"
    verbose_name = _("Sign-in security")

    def ready(self) -> None:
        from django.contrib import admin

        from traseu.security.views import admin_login

        # The admin's own sign-in form would skip the throttle and the second factor: send it
        # to ours. AdminSite.get_urls() reads this attribute when the URLconf is loaded.
        admin.site.login = admin_login  # type: ignore[method-assign]
