from django.urls import path

from surveys import views, views_analysis

app_name = "surveys"

urlpatterns = [
    path("assignments/<int:pk>/", views.fill_in, name="fill-in"),
    path("self-check/<str:code>/", views.self_check_page, name="self-check"),
    path("completion/<str:code>/", views.completion, name="completion"),
    path("analysis/", views_analysis.analysis_page, name="analysis"),
    path("analysis/workbook/", views_analysis.analysis_workbook_download, name="analysis-workbook"),
]
