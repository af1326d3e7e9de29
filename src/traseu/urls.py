from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from traseu.api import api

urlpatterns = [
    path("", include("traseu.security.urls")),  # login/ (throttled, two-factor), account/security/
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("traseu.audit.urls")),  # audit/, audit/deal/<id>/
    path("processes/", include("traseu.processes.urls")),
    path("forecast/", include("traseu.forecasts.urls")),
    path("prospects/", include("traseu.prospecting.urls")),
    path("", include("traseu.aftersale.urls")),  # delivery/, calendar/, deal panel writes
    path("reports/", include("traseu.analytics.urls")),
    path("webhooks/", include("traseu.events.urls")),
    path("sales/", include("traseu.sales.urls")),  # products/, proposals/, deal panel writes
    path("imports/", include("traseu.imports.urls")),  # the import wizard and past imports
    path("", include("traseu.exports.urls")),  # export/<kind>.<csv|xlsx>
    path("", include("traseu.crm.urls")),
]
