from django.urls import URLPattern, URLResolver

from traseu.crm.views import board, deal, directory, work

urlpatterns: list[URLPattern | URLResolver] = [
    *board.urlpatterns,
    *deal.urlpatterns,
    *work.urlpatterns,
    *directory.urlpatterns,
]
