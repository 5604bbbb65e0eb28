"""Full-text and trigram search on PostgreSQL (no-op on SQLite, where selectors fall back).

Generated tsvector columns (French and English) on ideas and comments, with GIN indexes, and a
trigram GIN index on idea titles for similar-idea suggestions."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

IDEA_DOCUMENT = (
    "setweight(to_tsvector('french', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('french', coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'B')"
)
COMMENT_DOCUMENT = "to_tsvector('french', coalesce(body, '')) || to_tsvector('english', coalesce(body, ''))"

FORWARD = [
    f"ALTER TABLE ideas_idea ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({IDEA_DOCUMENT}) STORED",
    "CREATE INDEX idea_search_gin ON ideas_idea USING gin (search_document)",
    "CREATE INDEX idea_title_trgm ON ideas_idea USING gin (title gin_trgm_ops)",
    f"ALTER TABLE ideas_comment ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({COMMENT_DOCUMENT}) STORED",
    "CREATE INDEX comment_search_gin ON ideas_comment USING gin (search_document)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS comment_search_gin",
    "ALTER TABLE ideas_comment DROP COLUMN IF EXISTS search_document",
    "DROP INDEX IF EXISTS idea_title_trgm",
    "DROP INDEX IF EXISTS idea_search_gin",
    "ALTER TABLE ideas_idea DROP COLUMN IF EXISTS search_document",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("ideas", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
