from django.urls import path

from ideas import views

app_name = "ideas"

urlpatterns = [
    path("", views.idea_list, name="list"),
    path("mine/", views.my_ideas, name="mine"),
    path("new/", views.idea_edit, name="submit"),
    path("similar/", views.similar, name="similar"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("<int:pk>/", views.idea_detail, name="detail"),
    path("<int:pk>/edit/", views.idea_edit, name="edit"),
    path("<int:pk>/submit/", views.idea_submit, name="submit_idea"),
    path("<int:pk>/delete/", views.idea_delete, name="delete"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/follow/", views.follow, name="follow"),
    path("<int:pk>/comments/", views.comment_create, name="comment"),
    path("comments/<int:comment_pk>/", views.comment_fragment, name="comment_fragment"),
    path("comments/<int:comment_pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:comment_pk>/helpful/", views.comment_helpful, name="comment_helpful"),
    path("attachments/<str:token>/", views.attachment, name="attachment"),
]
