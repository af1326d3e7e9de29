from django.urls import URLPattern

from traseu.forecasts.views import urlpatterns as pages

urlpatterns: list[URLPattern] = [*pages]
