"""Quarantined booking posts kept before this release may hold health notes sent without
consent: remove them. Quarantine now never keeps them (services/submissions.py)."""

from django.db import migrations

SPECIAL_CATEGORY_FIELDS = ("notes",)


def remove_health_notes(apps, schema_editor):
    QuarantinedSubmission = apps.get_model("services", "QuarantinedSubmission")
    for row in QuarantinedSubmission.objects.filter(form="booking").iterator():
        data = row.data if isinstance(row.data, dict) else {}
        if any(name in data for name in SPECIAL_CATEGORY_FIELDS):
            row.data = {k: v for k, v in data.items() if k not in SPECIAL_CATEGORY_FIELDS}
            row.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("services", "0011_merge_public_ids_and_queued_resets")]

    operations = [migrations.RunPython(remove_health_notes, migrations.RunPython.noop)]
