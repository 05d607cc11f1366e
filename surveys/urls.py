from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("assignments/<int:pk>/", views.fill_in, name="fill-in"),
    path("self-check/<str:code>/", views.self_check_page, name="self-check"),
    path("completion/<str:code>/", views.completion, name="completion"),
]
