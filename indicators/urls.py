from django.urls import path

from indicators import views, views_ahp

app_name = "indicators"

urlpatterns = [
    path("", views.system_page, name="current"),
    path("<int:year>/", views.system_page, name="system"),
    path("ahp/", views_ahp.ahp_page, name="ahp"),
]
