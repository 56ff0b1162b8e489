"""The contact page moves to services (services/migrations/0005 takes it up).

Here its two tables are renamed to services' names and the models leave home's state. Nothing
is copied or dropped: every row keeps its id, and the pages keep their content types, which
services/0005 relabels.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0003_picture_decorative_flags"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable("contactformfield", "services_contactformfield"),
                migrations.AlterModelTable("contactpage", "services_contactpage"),
            ],
            state_operations=[
                migrations.DeleteModel("ContactFormField"),
                migrations.DeleteModel("ContactPage"),
            ],
        ),
    ]
