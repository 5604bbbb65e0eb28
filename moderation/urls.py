from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk_decide, name="bulk"),
    path("ideas/<int:pk>/decide/", views.decide, name="decide"),
    path("ideas/<int:pk>/merge/", views.merge, name="merge"),
    path("merges/<int:record_pk>/undo/", views.merge_undo, name="merge_undo"),
    path("ideas/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("ideas/<int:pk>/experts/", views.assign_experts, name="experts"),
    path("ideas/<int:pk>/assess/", views.assess, name="assess"),
    path("assessments/", views.assessments, name="assessments"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("reports/", views.reports, name="reports"),
    path("answer-times/", views.sla_page, name="sla"),
]
