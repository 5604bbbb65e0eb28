"""Similar ideas read titles in trigram-distance order: a GiST index (KNN ``<->`` with LIMIT) in
place of the GIN one, which can only find every title above the similarity threshold (PostgreSQL
only; SQLite's fallback needs no index)."""

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS idea_title_trgm_gist ON ideas_idea USING gist (title gist_trgm_ops)",
    "DROP INDEX IF EXISTS idea_title_trgm",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS idea_title_trgm ON ideas_idea USING gin (title gin_trgm_ops)",
    "DROP INDEX IF EXISTS idea_title_trgm_gist",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("ideas", "0004_idea_list_count_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
