from django.urls import path

from gamification import views

app_name = "gamification"

urlpatterns = [
    path("", views.my_points, name="points"),
    path("badges/", views.badges, name="badges"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
]
