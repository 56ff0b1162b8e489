"""Her booking rules exist from the start, with their defaults.

Otherwise the first visitor to ask for free times would create the row, and saving a
setting empties the page cache: every cached page would be lost to one booking page view.
"""

from django.db import migrations


def create_rules(apps, schema_editor):
    rules = apps.get_model("availability", "AvailabilitySettings")
    if not rules.objects.exists():
        rules.objects.create()


class Migration(migrations.Migration):
    dependencies = [("availability", "0001_initial")]

    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
