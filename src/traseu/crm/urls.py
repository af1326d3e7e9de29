from django.urls import path

from traseu.crm import views

urlpatterns = [
    path("", views.pipeline, name="pipeline"),
]
