"""The demo organisation: a fictional group with subsidiaries and departments, a manager tree,
functional domains with correspondents and backups, community managers and executives.

Deterministic for a given seed. Written with bulk inserts (one password hash shared by all demo
accounts: hashing 200,000 passwords would take hours and proves nothing)."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.models import Domain, DomainCorrespondent, Entity, User
from config.bulk import bulk_insert

DEMO_PASSWORD = "ideabox-demo"  # noqa: S105 - printed for the demo logins on purpose
DEMO_DOMAIN = "example.com"

FIRST_NAMES = [
    "Alice",
    "Bob",
    "Chloé",
    "David",
    "Emma",
    "Farid",
    "Gabrielle",
    "Hugo",
    "Inès",
    "Jules",
    "Karim",
    "Léa",
    "Mathis",
    "Nora",
    "Olivier",
    "Pauline",
    "Quentin",
    "Rose",
    "Samuel",
    "Thérèse",
    "Ulysse",
    "Valentine",
    "William",
    "Yasmine",
    "Zoé",
    "Antoine",
    "Bérénice",
    "Camille",
    "Damien",
    "Élodie",
    "François",
    "Guillaume",
    "Hélène",
    "Isabelle",
    "Jérôme",
    "Kevin",
    "Laura",
    "Marc",
    "Nathalie",
    "Oscar",
    "Philippe",
    "Rachid",
    "Sophie",
    "Thomas",
    "Victor",
    "Xavier",
    "Yann",
    "Agathe",
    "Baptiste",
    "Céline",
    "Diane",
    "Eric",
    "Fanny",
    "Georges",
    "Henri",
    "Irène",
    "Julie",
    "Lucas",
    "Manon",
    "Nicolas",
    "Patricia",
    "Romain",
    "Sarah",
    "Tristan",
    "Aïcha",
    "Mohamed",
    "Fatou",
    "Mei",
    "Priya",
    "John",
    "Mary",
    "James",
    "Linda",
    "Peter",
    "Anna",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clement",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Nguyen",
    "Diallo",
    "Benali",
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Wilson",
    "Kowalski",
    "Rossi",
    "Schmidt",
]
SUBSIDIARIES = ["Exemple Énergie", "Exemple Services", "Exemple Retail", "Exemple Digital", "Exemple Finance"]
DEPARTMENTS = ["IT", "Human resources", "Finance", "Customer service", "Sales", "Operations", "Marketing"]
SITES = ["Paris", "Lyon", "Lille", "Nantes", "Toulouse", "Bordeaux", "Marseille", "Strasbourg"]

# Functional domains and the theme each one handles (DESIGN.md: cost savings, process
# optimisation, brand, quality of service, and the usual functional areas).
DOMAINS = [
    ("Finance", "finance", "Cost savings"),
    ("Operations", "operations", "Process optimisation"),
    ("Brand", "brand", "Brand"),
    ("Customer service", "customer-service", "Quality of service"),
    ("IT", "it", "Digital tools"),
    ("Human resources", "hr", "People and workplace"),
    ("Sales", "sales", "Sales and customers"),
]
# Shares of ideas per theme in the simulation: the four anchor themes dominate.
THEME_WEIGHTS = [0.26, 0.24, 0.12, 0.2, 0.08, 0.06, 0.04]


# What person() sets on the people of the departments (the other fields keep their defaults).
PERSON_COLUMNS = ("email", "display_name", "entity_id", "job_title", "site", "language", "password")


@dataclass
class DemoOrganisation:
    group: Entity
    subsidiaries: list[Entity]
    departments: list[Entity]
    user_ids: list[int]
    logins: dict[str, str] = field(default_factory=dict)
    correspondent_ids: list[int] = field(default_factory=list)
    executive_ids: list[int] = field(default_factory=list)
    community_manager_ids: list[int] = field(default_factory=list)
    expert_ids: list[int] = field(default_factory=list)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _entity(name, kind, parent=None) -> Entity:
    entity = Entity.objects.create(name=name, kind=kind, parent=parent)
    entity.path = f"{parent.path if parent else '/'}{entity.pk}/"
    entity.save(update_fields=["path"])
    return entity


def _set_managers(people: list[User]) -> None:
    """Writes each person's manager: one UPDATE ... FROM (VALUES ...) per 5,000 people on
    Postgres (bulk_update's CASE of 2,000 branches per row took minutes at 200,000 people)."""
    if connection.vendor != "postgresql":
        User.objects.bulk_update(people, ["manager"], batch_size=2000)
        return
    table = User._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(people), 5000):
            batch = people[start : start + 5000]
            values = ", ".join(["(%s, %s)"] * len(batch))
            # The table name comes from the model and the values are placeholders.
            cursor.execute(
                f"UPDATE {table} AS u SET manager_id = v.manager_id FROM (VALUES {values}) "  # noqa: S608  # nosec B608
                "AS v(id, manager_id) WHERE u.id = v.id",
                [x for p in batch for x in (p.pk, p.manager_id)],
            )


@transaction.atomic
def build_organisation(*, employees: int, seed: int, progress=None) -> DemoOrganisation:
    """Creates ``employees`` people (the demo logins included) in a fresh organisation."""
    if employees < 60:
        raise ValueError("the demo organisation needs at least 60 employees")
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    group = _entity("Groupe Exemple", Entity.Kind.GROUP)
    subsidiaries = [_entity(name, Entity.Kind.SUBSIDIARY, group) for name in SUBSIDIARIES]
    departments = [
        _entity(dept, Entity.Kind.DEPARTMENT, subsidiary)
        for subsidiary in subsidiaries
        for dept in DEPARTMENTS
    ]
    password = make_password(DEMO_PASSWORD)
    used_emails: set[str] = set()

    def person(entity, title, **extra) -> User:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@{DEMO_DOMAIN}", 1
        while email in used_emails:
            n += 1
            email = f"{base}{n}@{DEMO_DOMAIN}"
        used_emails.add(email)
        return User(
            email=email,
            display_name=f"{first} {last}",
            entity=entity,
            job_title=title,
            site=rng.choice(SITES),
            language="fr" if rng.random() < 0.8 else "en",
            password=password,
            **extra,
        )

    # Named demo accounts first, so that their e-mails are stable and easy to type.
    it_paris = departments[0]
    named = {
        "admin": User(
            email=f"admin@{DEMO_DOMAIN}",
            display_name="Admin Ideabox",
            entity=group,
            job_title="IT admin",
            password=password,
            is_staff=True,
            is_superuser=True,
            language="en",
        ),
        "executive": User(
            email=f"eve@{DEMO_DOMAIN}",
            display_name="Eve Executive",
            entity=group,
            job_title="Chief executive officer",
            password=password,
            is_executive=True,
        ),
        "community_manager": User(
            email=f"camille@{DEMO_DOMAIN}",
            display_name="Camille Community",
            entity=group,
            job_title="Innovation community manager",
            password=password,
            is_community_manager=True,
        ),
        "manager": User(
            email=f"bob@{DEMO_DOMAIN}",
            display_name="Bob Manager",
            entity=it_paris,
            job_title="Head of IT",
            password=password,
        ),
        "employee": User(
            email=f"alice@{DEMO_DOMAIN}",
            display_name="Alice Employee",
            entity=it_paris,
            job_title="Developer",
            password=password,
            language="en",
        ),
        "colleague": User(
            email=f"colin@{DEMO_DOMAIN}",
            display_name="Colin Colleague",
            entity=departments[10],
            job_title="Analyst",
            password=password,
        ),
        "correspondent": User(
            email=f"chloe@{DEMO_DOMAIN}",
            display_name="Chloé Correspondent",
            entity=departments[9],
            job_title="Process expert",
            password=password,
            is_correspondent=True,
        ),
        "expert": User(
            email=f"xavier@{DEMO_DOMAIN}",
            display_name="Xavier Expert",
            entity=departments[16],
            job_title="Senior engineer",
            password=password,
            is_expert=True,
        ),
    }
    used_emails.update(u.email for u in named.values())
    User.objects.bulk_create(named.values())
    named = {role: User.objects.get(email=u.email) for role, u in named.items()}

    remaining = employees - len(named)
    # Management: the CEO (Eve) > subsidiary heads > department heads > team leads > employees.
    heads_sub = [person(s, f"CEO {s.name}", is_executive=True) for s in subsidiaries]
    User.objects.bulk_create(heads_sub)
    heads_sub = list(User.objects.filter(email__in=[u.email for u in heads_sub]).order_by("pk"))
    User.objects.filter(pk__in=[u.pk for u in heads_sub]).update(manager=named["executive"])
    heads_dept = []
    for dept in departments:
        if dept.pk == it_paris.pk:
            heads_dept.append(named["manager"])
            continue
        heads_dept.append(person(dept, f"Head of {dept.name}"))
    User.objects.bulk_create([u for u in heads_dept if u.pk is None])
    heads_dept = [u if u.pk else User.objects.get(email=u.email) for u in heads_dept]
    sub_head_by_entity = {s.pk: h for s, h in zip(subsidiaries, heads_sub, strict=True)}
    for dept, head in zip(departments, heads_dept, strict=True):
        User.objects.filter(pk=head.pk).update(manager=sub_head_by_entity[dept.parent_id])

    remaining -= len(heads_sub) + len(heads_dept) - 1  # Bob is one of the department heads
    # Department sizes: heavy differences between departments, like real groups.
    weights = [rng.uniform(0.4, 2.5) for _ in departments]
    total_weight = sum(weights)
    sizes = [int(remaining * w / total_weight) for w in weights]
    for i in range(remaining - sum(sizes)):
        sizes[i % len(sizes)] += 1
    people: list[User] = []
    managers: list[int] = []  # index into people of each person's team lead, or -1 for the head
    for dept, head, size in zip(departments, heads_dept, sizes, strict=True):
        if size == 0:
            continue
        leads = max(1, size // 10)
        first_lead = len(people)
        for i in range(size):
            is_lead = i < leads
            people.append(
                person(
                    dept,
                    "Team lead"
                    if is_lead
                    else rng.choice(
                        ["Analyst", "Engineer", "Advisor", "Officer", "Technician", "Consultant", "Assistant"]
                    ),
                )
            )
            managers.append(-head.pk if is_lead else first_lead + (i % leads))
        if progress:
            progress(size)
    # COPY on Postgres (bulk_create's INSERTs took most of a minute at 200,000 people); the ids
    # are then read back by e-mail, in one pass over the table rather than an IN list of them all.
    bulk_insert(User, PERSON_COLUMNS, ([getattr(p, c) for c in PERSON_COLUMNS] for p in people))
    wanted = {p.email for p in people}
    ids_by_email = {email: pk for email, pk in User.objects.values_list("email", "pk") if email in wanted}
    for person_obj in people:
        person_obj.pk = ids_by_email[person_obj.email]
    updates = []
    for person_obj, manager_ref in zip(people, managers, strict=True):
        manager_id = -manager_ref if manager_ref < 0 else None
        updates.append((person_obj, manager_id, manager_ref))
    for person_obj, manager_id, manager_ref in updates:
        person_obj.manager_id = manager_id if manager_id else people[manager_ref].pk
    _set_managers(people)
    # Alice reports to Bob; Colin, Chloé and Xavier have managers in their departments.
    dept_head = {dept.pk: head for dept, head in zip(departments, heads_dept, strict=True)}
    User.objects.filter(pk=named["employee"].pk).update(manager=named["manager"])
    for role in ("colleague", "correspondent", "expert"):
        User.objects.filter(pk=named[role].pk).update(manager=dept_head[named[role].entity_id])
    for role in ("community_manager", "admin"):
        User.objects.filter(pk=named[role].pk).update(manager=named["executive"])

    # Domains, themes' owners: 3 correspondents across the group, 1 scoped per subsidiary, 1 backup.
    pool = [p for p in people if p.job_title != "Team lead"]
    rng.shuffle(pool)
    candidates = list(pool)
    correspondent_ids: list[int] = [named["correspondent"].pk]
    memberships = []
    domains = []
    for index, (name, slug, _theme) in enumerate(DOMAINS):
        domain = Domain.objects.create(
            name=name, slug=slug, sla_days=5, community_manager=named["community_manager"]
        )
        domains.append(domain)
        needed = 3 + len(subsidiaries) + 1
        if len(pool) >= needed + 2:  # keep two for the community managers below
            chosen = [pool.pop() for _ in range(needed)]
        else:  # a small organisation: some people correspond for several domains
            chosen = rng.sample(candidates, needed)
        if index == 1:
            # Chloé moderates Operations (process optimisation) for Alice's subsidiary: routing tries
            # the correspondents scoped to the idea's target entity first, so the idea Alice submits
            # in the demo reaches Chloé's queue (a group-wide Chloé lost it to the scoped one).
            scoped_slot = 3 + subsidiaries.index(named["employee"].entity.parent)
            chosen[0] = chosen[scoped_slot]
            chosen[scoped_slot] = named["correspondent"]
        for c in chosen[:3]:
            memberships.append(DomainCorrespondent(domain=domain, user_id=c.pk))
        for c, subsidiary in zip(chosen[3 : 3 + len(subsidiaries)], subsidiaries, strict=True):
            memberships.append(DomainCorrespondent(domain=domain, user_id=c.pk, entity=subsidiary))
        memberships.append(DomainCorrespondent(domain=domain, user_id=chosen[-1].pk, is_backup=True))
        correspondent_ids.extend(c.pk for c in chosen)
    DomainCorrespondent.objects.bulk_create(memberships, ignore_conflicts=True)
    User.objects.filter(pk__in=correspondent_ids).update(is_correspondent=True)
    experts = [pool.pop().pk for _ in range(min(25, len(pool) // 4))] + [named["expert"].pk]
    User.objects.filter(pk__in=experts).update(is_expert=True)
    cms = [pool.pop().pk for _ in range(2)] + [named["community_manager"].pk]
    User.objects.filter(pk__in=cms).update(is_community_manager=True)
    executives = [named["executive"].pk, *(h.pk for h in heads_sub)]

    logins = {role: user.email for role, user in named.items()}
    return DemoOrganisation(
        group=group,
        subsidiaries=subsidiaries,
        departments=departments,
        user_ids=list(User.objects.order_by("pk").values_list("pk", flat=True)),
        logins=logins,
        correspondent_ids=correspondent_ids,
        executive_ids=executives,
        community_manager_ids=cms,
        expert_ids=experts,
    )
