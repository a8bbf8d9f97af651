from django.urls import path

from herald_channels import views

urlpatterns = [
    path("up", views.up),
    path("broadcast", views.broadcast),
    path("channels", views.channels),
]
