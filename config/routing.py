from django.urls import path

from accounts.consumers import NotificationConsumer
from ideas.consumers import IdeaConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/ideas/<int:idea_id>/", IdeaConsumer.as_asgi()),
]
