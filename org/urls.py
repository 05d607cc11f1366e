from django.contrib.auth import views as auth_views
from django.urls import path

from org import views
from org.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("activate/", views.activate, name="activate"),
    path("activation/issue/", views.issue_codes, name="issue-codes"),
    path("units/<str:code>/", views.unit_detail, name="unit-detail"),
]
