from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.me, name="me"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("people/<int:pk>/", views.person, name="person"),
    path("data/", views.personal_data_download, name="personal_data"),
    path("erase/", views.personal_data_erase, name="erase"),
]
