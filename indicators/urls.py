from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.system_page, name="current"),
    path("<int:year>/", views.system_page, name="system"),
]
