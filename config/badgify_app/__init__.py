"""django-badgify with AutoField kept (its migrations use it), so `makemigrations --check` stays clean.
Listed in INSTALLED_APPS as a package because badgify's autodiscovery imports each entry as a module."""
