"""seed_demo: deterministic organisation, a manager tree without cycles."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import DomainCorrespondent, Entity, User


def _snapshot():
    people = list(
        User.objects.order_by("email").values_list(
            "email",
            "display_name",
            "entity__name",
            "manager__email",
            "is_correspondent",
            "is_executive",
            "is_community_manager",
            "is_expert",
        )
    )
    entities = list(
        Entity.objects.order_by("name", "parent__name").values_list("name", "kind", "parent__name")
    )
    memberships = sorted(
        DomainCorrespondent.objects.values_list("domain__slug", "user__email", "entity__name", "is_backup"),
        key=str,
    )
    return people, entities, memberships


def _wipe():
    DomainCorrespondent.objects.all().delete()
    from accounts.models import Domain

    Domain.objects.all().delete()
    User.objects.update(manager=None)
    User.objects.all().delete()
    Entity.objects.filter(kind="department").delete()
    Entity.objects.filter(kind="subsidiary").delete()
    Entity.objects.all().delete()


@pytest.mark.django_db
def test_same_seed_same_organisation():
    call_command("seed_demo", employees=300, seed=7, no_activity=True, quiet=True)
    first = _snapshot()
    _wipe()
    call_command("seed_demo", employees=300, seed=7, no_activity=True, quiet=True)
    assert _snapshot() == first
    assert User.objects.count() == 300


@pytest.mark.django_db
def test_manager_tree_has_one_top_and_no_cycle():
    call_command("seed_demo", employees=500, seed=3, no_activity=True, quiet=True)
    managers = dict(User.objects.values_list("pk", "manager_id"))
    tops = [pk for pk, manager in managers.items() if manager is None]
    assert len(tops) == 1, "everyone but the top has a manager"
    for pk in managers:
        seen = set()
        while pk is not None:
            assert pk not in seen, "cycle in the management chain"
            seen.add(pk)
            pk = managers[pk]
    logins = set(
        User.objects.filter(email__in=["alice@example.com", "bob@example.com"]).values_list(
            "email", flat=True
        )
    )
    assert logins == {"alice@example.com", "bob@example.com"}
    assert User.objects.get(email="alice@example.com").manager.email == "bob@example.com"


@pytest.mark.django_db
def test_seed_refuses_a_populated_database_and_too_small_sizes(org):
    with pytest.raises(CommandError, match="already has people"):
        call_command("seed_demo", employees=300, seed=1, quiet=True)
    with pytest.raises(CommandError, match="at least 100"):
        call_command("seed_demo", employees=10, seed=1, quiet=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_smallest_organisation_builds_with_correspondents_for_every_domain(db, seed):
    # 100 people are fewer than the domains' correspondent seats: some people then hold several.
    call_command("seed_demo", employees=100, seed=seed, no_activity=True, quiet=True)
    from accounts.models import Domain

    assert User.objects.count() == 100
    for domain in Domain.objects.all():
        seats = DomainCorrespondent.objects.filter(domain=domain)
        assert seats.filter(is_backup=False).exists(), domain.slug
        assert seats.filter(is_backup=True).count() == 1, domain.slug
    assert User.objects.filter(is_community_manager=True).count() >= 1


@pytest.mark.django_db
def test_the_idea_alice_submits_in_operations_reaches_chloe():
    """The README's journey: Alice submits, Chloé (the demo's correspondent) moderates it."""
    from ideas.models import Theme
    from tests.helpers import submitted

    call_command("seed_demo", employees=300, seed=1, no_activity=True, quiet=True)
    alice = User.objects.get(email="alice@example.com")
    operations = DomainCorrespondent.objects.get(user__email="chloe@example.com").domain
    theme = Theme.objects.create(name="Process optimisation", slug="process-optimisation", domain=operations)
    for n in range(3):  # not only the first: Chloé is the one correspondent for Alice's subsidiary
        idea = submitted(alice, theme, title=f"Bike racks at the Lyon site {n}")
        assert idea.assignee.email == "chloe@example.com"
