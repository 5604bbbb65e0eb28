"""The calibrated simulation at N = 4,573: the funnels computed by analytics/ equal the model
deployment, and the planted influencers, facilitators and idea developers are recovered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.demo import build_organisation
from analytics import funnels, snapshots
from analytics.models import SegmentSnapshot
from analytics.segments import FACILITATOR, IDEA_DEVELOPER, INFLUENCER, Window, compute_segments
from analytics.simulation import Simulation


@pytest.mark.django_db
def test_model_deployment_is_reproduced_and_planted_segments_are_recovered(capsys):
    org = build_organisation(employees=4573, seed=1)
    truth = Simulation(org=org, seed=1).run()
    now = timezone.now() + timedelta(minutes=1)
    year = (now - timedelta(days=370), now)

    figures = funnels.participation(start=year[0], end=year[1])
    assert figures["headcount"] == 4573
    for measure, target in (("logged_in", 60), ("posted", 20), ("commented", 23), ("voted", 43)):
        assert abs(figures[measure]["percent"] - target) <= 1, (measure, figures[measure])

    pipeline = funnels.pipeline()
    assert pipeline["total"] == 3600
    assert pipeline["with_potential"] == 207
    assert pipeline["counts"]["deployed"] == 44
    assert pipeline["counts"]["pilot"] == 7
    assert pipeline["counts"]["project"] == 49
    assert pipeline["awaiting_analysis"] == 107
    assert pipeline["counts"]["declined"] == 0

    result = compute_segments(Window(*year))
    with capsys.disabled():
        print("\nplanted segment recovery over the simulated year (N = 4,573, seed 1):")
        for name, planted in (
            (INFLUENCER, truth.influencers),
            (FACILITATOR, truth.facilitators),
            (IDEA_DEVELOPER, truth.developers),
        ):
            found = result.members(name)
            tp = len(found & planted)
            precision, recall = tp / max(len(found), 1), tp / max(len(planted), 1)
            print(
                f"  {name:15} planted {len(planted):4}  found {len(found):4}  true positives {tp:4}  "
                f"false positives {len(found - planted):3}  missed {len(planted - found):3}  "
                f"precision {precision:.3f}  recall {recall:.3f}"
            )
            assert precision >= 0.9, name
            assert recall >= 0.9, name

    first = snapshots.recompute(months=2)
    rows = sorted(SegmentSnapshot.objects.values_list("user_id", "month", "segments", "influence"))
    second = snapshots.recompute(months=2)
    assert first == second
    assert sorted(SegmentSnapshot.objects.values_list("user_id", "month", "segments", "influence")) == rows


def test_the_demo_ideas_are_written_in_correct_french():
    """ "Réduire le coût de le support IT" was the demo's first impression on French readers."""
    import random

    from analytics.simulation import _idea_text

    rng = random.Random(3)
    texts = [_idea_text(rng, index) for index in range(400)]
    french = [(title, body) for title, body in texts if "**Constat**" in body]
    assert len(french) > 200
    for title, body in french:
        for wrong in (" de le ", " de les ", "les réunions nous fait", "les achats nous fait"):
            assert wrong not in f" {title} {body}", (title, wrong)
    assert any("coût du support IT" in title for title, _body in french)
