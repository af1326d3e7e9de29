from django.urls import URLPattern, path

from traseu.aftersale import calendar_views, views

urlpatterns: list[URLPattern] = [
    path("delivery/", views.delivery, name="delivery"),
    path("delivery/<int:handoff_id>/accept/", views.delivery_accept, name="delivery_accept"),
    path("deals/<int:deal_id>/handoff/", views.handoff_edit, name="handoff_edit"),
    path("deals/<int:deal_id>/handoff/accept/", views.handoff_accept_view, name="handoff_accept"),
    path(
        "deals/<int:deal_id>/follow-up/complete/",
        views.follow_up_complete_view,
        name="follow_up_complete",
    ),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("account/calendar/", calendar_views.calendar_settings, name="calendar_settings"),
]
