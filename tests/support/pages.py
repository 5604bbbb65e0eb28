"""The main pages of each role, for the sweeps that look at every page (translations, accessibility)."""

from ideas.models import Idea, IdeaState


def main_pages():
    idea = Idea.objects.filter(state=IdeaState.PUBLISHED, comment_count__gt=0).first()
    return {
        "alice@example.com": [
            "/",
            "/ideas/",
            f"/ideas/{idea.pk}/",
            "/ideas/new/",
            "/ideas/mine/",
            "/ideas/campaigns/",
            "/me/",
            "/me/notifications/",
            "/me/notifications/settings/",
            "/points/",
            "/points/badges/",
            "/points/leaderboard/",
            "/moderation/answer-times/",
        ],
        "chloe@example.com": ["/moderation/queue/", "/moderation/assessments/"],
        "eve@example.com": ["/moderation/pipeline/", "/analytics/executive/"],
        "camille@example.com": [
            "/analytics/community/",
            "/moderation/reports/",
            "/analytics/segments/passive/",
        ],
        None: ["/accounts/login/", "/accounts/signup/", "/offline/"],
    }
