from django.urls import path

from reports import views, views_commendation, views_dashboard, views_entropy, views_posts

app_name = "reports"

urlpatterns = [
    path("jobs/<int:pk>/", views.job_page, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="job-download"),
    path("dashboard/", views_dashboard.dashboard_page, name="dashboard"),
    path("dashboard/export/", views_dashboard.dashboard_export, name="dashboard-export"),
    path("posts/", views_posts.posts_view, name="posts"),
    path("posts/targets/", views_posts.post_targets_view, name="post-targets"),
    path("weights/entropy/", views_entropy.entropy_page, name="entropy"),
    path("commendations/", views_commendation.commendation_index, name="commendations"),
    path("commendations/<int:year>/", views_commendation.commendation_year, name="commendation"),
    path("commendations/<int:year>/approve/", views_commendation.commendation_approve, name="commendation-approve"),
    path("commendations/<int:year>/export/", views_commendation.commendation_export, name="commendation-export"),
]
