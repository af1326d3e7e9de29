from django.urls import re_path

from traseu.exports.views import export_download

urlpatterns = [
    re_path(
        r"^export/(?P<kind>[a-z-]+)\.(?P<extension>csv|xlsx)$",
        export_download,
        name="export_download",
    ),
]
