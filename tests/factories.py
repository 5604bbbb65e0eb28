"""factory_boy factories for the organisation and ideas."""

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Domain, DomainCorrespondent, Entity, User
from ideas.models import Campaign, Theme

PASSWORD = "correct horse battery staple"
_HASH = None


def password_hash():
    global _HASH
    if _HASH is None:
        _HASH = make_password(PASSWORD)
    return _HASH


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Entity {n}")
    kind = Entity.Kind.DEPARTMENT
    parent = None

    @factory.post_generation
    def set_path(obj, create, extracted, **kwargs):
        obj.path = f"{obj.parent.path if obj.parent_id else '/'}{obj.pk}/"
        obj.save(update_fields=["path"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    entity = None
    manager = None
    language = "en"
    password = factory.LazyFunction(password_hash)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    name = factory.Sequence(lambda n: f"Domain {n}")
    slug = factory.Sequence(lambda n: f"domain-{n}")
    sla_days = 5


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")
    domain = factory.SubFactory(DomainFactory)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    title = factory.Sequence(lambda n: f"Campaign {n}")
    slug = factory.Sequence(lambda n: f"campaign-{n}")
    question = "How could we do better?"
    starts_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))


def correspondent(domain, user, entity=None, is_backup=False):
    DomainCorrespondent.objects.create(domain=domain, user=user, entity=entity, is_backup=is_backup)
    if not user.is_correspondent:
        user.is_correspondent = True
        user.save(update_fields=["is_correspondent"])
    return user
