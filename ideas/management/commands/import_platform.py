"""`import_platform DIR [--dry-run] [--entity-prefix P]`: import people, campaigns, ideas, comments,
votes, follows and links from the neutral CSV format (docs/import.md)."""

from ideas.importing.neutral import load_directory
from ideas.management.commands._import_base import ImportCommand


class Command(ImportCommand):
    help = "Imports another idea platform's history from the neutral CSV format (docs/import.md)."

    def load(self, directory):
        return load_directory(directory)
