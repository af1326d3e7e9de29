from django.urls import URLPattern, path

from traseu.prospecting import views

urlpatterns: list[URLPattern] = [
    path("", views.prospects_index, name="prospects"),
    path("new/", views.prospect_list_new, name="prospect_list_new"),
    path("<int:list_id>/", views.prospect_list_detail, name="prospect_list"),
    path("<int:list_id>/profile/", views.prospect_list_profile, name="prospect_list_profile"),
    path("<int:list_id>/add/", views.prospect_add_view, name="prospect_add"),
    path("<int:list_id>/convert/", views.prospects_convert_view, name="prospects_convert"),
    path(
        "<int:list_id>/prospects/<int:prospect_id>/status/",
        views.prospect_status_view,
        name="prospect_status",
    ),
]
