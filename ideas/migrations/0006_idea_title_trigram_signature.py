"""The similar-ideas index with longer trigram signatures (``siglen=64`` bytes, against 12 by default):
generated and real titles share many trigrams, and with short signatures the nearest-title search
(KNN ``<->`` with LIMIT) walked much of the index before its first row. Measured with EXPLAIN
ANALYZE on 2026-12-01 (three titles, median of five): 11, 8 and 6.8 ms at 50,000 employees,
7.8, 4.7 and 2.7 ms with it; 41, 35 and 26 ms at 200,000, 29, 11 and 4.6 ms with it. 32 bytes did
about as well, 128 and 256 worse (bench/README.md). PostgreSQL 13 or later; SQLite needs no index."""

from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS idea_title_trgm_gist",
    "CREATE INDEX idea_title_trgm_gist ON ideas_idea USING gist (title gist_trgm_ops(siglen=64))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS idea_title_trgm_gist",
    "CREATE INDEX idea_title_trgm_gist ON ideas_idea USING gist (title gist_trgm_ops)",
]


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("ideas", "0005_idea_title_trigram_gist")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
