"""Addresses of the process designer, under ``/processes/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from traseu.processes.views import editor, pages

# "new/" and "validate/" come before "<key>/": patterns match in order (and the designer
# refuses those two words as keys of new processes).
urlpatterns: list[URLPattern] = [
    path("", pages.process_list, name="process_list"),
    path("new/", editor.process_new, name="process_new"),
    path("validate/", editor.process_validate, name="process_validate"),
    path("<slug:key>/", pages.process_detail, name="process_detail"),
    path("<slug:key>/edit/", editor.process_edit, name="process_edit"),
    path("<slug:key>/publish/", editor.process_publish_view, name="process_publish"),
    path("<slug:key>/stages/", editor.process_stages, name="process_stages"),
    path("<slug:key>/compare/", pages.process_compare, name="process_compare"),
]
