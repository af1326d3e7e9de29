"""Sign-in (password, then the second factor when it is on) and the account's security pages.

Mounted at the site root by ``traseu.urls`` in place of Django's plain login route.
"""

from django.urls import URLPattern, path

from traseu.security import account_views, token_views, views

urlpatterns: list[URLPattern] = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("account/security/", account_views.security_page, name="account_security"),
    path("account/security/totp/start/", account_views.totp_start, name="totp_start"),
    path("account/security/totp/", account_views.totp_setup, name="totp_setup"),
    path("account/security/totp/off/", account_views.totp_off, name="totp_off"),
    path(
        "account/security/recovery-codes/",
        account_views.recovery_regenerate,
        name="recovery_regenerate",
    ),
    path("account/tokens/", token_views.tokens_page, name="account_tokens"),
    path(
        "account/tokens/<int:token_id>/revoke/",
        token_views.token_revoke_view,
        name="account_token_revoke",
    ),
]
