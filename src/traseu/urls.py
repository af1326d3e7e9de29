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
    path("reports/", include("traseu.analytics.urls")),
    path("", include("traseu.crm.urls")),
]
