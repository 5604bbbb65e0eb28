"""`import_openideo DIR [--dry-run]`: the OpenIDEO export (../shared/data/openideo) through the
example adapter (ideas/importing/openideo.py) and the neutral importer."""

from ideas.importing.openideo import DEFAULT_ENTITY_PREFIX, load_openideo
from ideas.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Imports the public OpenIDEO challenge data (challenges, people, ideas, comments, links)."
    default_entity_prefix = DEFAULT_ENTITY_PREFIX

    def load(self, directory):
        return load_openideo(directory)
