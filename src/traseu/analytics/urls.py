from django.urls import URLPattern

from traseu.analytics.views import urlpatterns as report_urls

urlpatterns: list[URLPattern] = [*report_urls]
