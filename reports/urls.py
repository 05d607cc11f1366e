from django.urls import path

from reports import views, views_commendation, views_entropy

app_name = "reports"

urlpatterns = [
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("weights/entropy/", views_entropy.entropy_page, name="entropy"),
    path("commendations/", views_commendation.commendation_index, name="commendations"),
    path("commendations/<int:year>/", views_commendation.commendation_year, name="commendation"),
    path("commendations/<int:year>/approve/", views_commendation.commendation_approve, name="commendation-approve"),
    path("commendations/<int:year>/export/", views_commendation.commendation_export, name="commendation-export"),
]
