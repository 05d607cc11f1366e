from django.urls import path

from reports import views_member

app_name = "results"

urlpatterns = [
    path("", views_member.my_results, name="mine"),
    path("<str:period>/", views_member.my_results, name="period"),
    path("<str:period>/<str:employee_no>/", views_member.member_results, name="member"),
]
