from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("jobs/<int:pk>/", views.job_page, name="job"),
]
