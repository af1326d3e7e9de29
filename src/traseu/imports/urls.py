from django.urls import URLPattern, path

from traseu.imports import views_jobs, views_wizard

urlpatterns: list[URLPattern] = [
    path("", views_jobs.imports_index, name="imports"),
    path("new/", views_wizard.import_new, name="import_new"),
    path("upload/<str:token>/", views_wizard.import_map, name="import_map"),
    path("upload/<str:token>/stages/", views_wizard.import_stages, name="import_stages"),
    path("upload/<str:token>/mapping.yaml", views_wizard.mapping_download, name="import_mapping"),
    path("<int:job_id>/", views_jobs.import_job, name="import_job"),
    path("<int:job_id>/status/", views_jobs.import_job_status, name="import_job_status"),
    path("<int:job_id>/run/", views_jobs.import_job_run, name="import_job_run"),
    path("<int:job_id>/errors.csv", views_jobs.import_job_errors, name="import_job_errors"),
]
