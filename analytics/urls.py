from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("executive/", views.executive, name="executive"),
    path("community/", views.community, name="community"),
    path("community/message/", views.message_segment, name="message"),
    path("segments/<str:segment>/", views.segment_people, name="segment"),
    path("people/<int:pk>/", views.person, name="person"),
    path("data/<str:name>.json", views.data, name="data"),
    path("data/<str:name>.csv", views.data, {"fmt": "csv"}, name="data_csv"),
]
