"""The contact page, from home (home/migrations/0004 renamed its tables to these).

Only the state is created here: the tables, rows and ids are the ones the site already has.
The content types are relabelled in place, so each page, form field, revision, permission
and message keeps pointing at the same row.
"""

import django.db.models.deletion
import modelcluster.fields
import wagtail.contrib.forms.models
import wagtail.contrib.routable_page.models
import wagtail.fields
from django.db import migrations, models

MOVED_MODELS = ("contactpage", "contactformfield")


def relabel_content_types(old_app: str, new_app: str):
    def relabel(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MOVED_MODELS:
            if not ContentType.objects.filter(app_label=old_app, model=model).exists():
                continue  # a new database: its content types are made after migrating
            # A row for the new place can only have been made by the new code running before
            # this migration; nothing can be stored under it yet. The old row carries on.
            ContentType.objects.filter(app_label=new_app, model=model).delete()
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label=new_app)

    return relabel


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0004_picture_decorative_flags"),
        ("home", "0004_contact_page_moves_to_services"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ContactPage',
                    fields=[
                        ('page_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='wagtailcore.page')),
                        ('canonical_url', models.URLField(blank=True, help_text="Leave blank to use the page's URL.", max_length=255, verbose_name='Canonical URL')),
                        ('noindex', models.BooleanField(default=False, help_text='Adds a noindex robots tag and leaves the page out of the sitemap.', verbose_name='Hide from search engines')),
                        ('og_image_decorative', models.BooleanField(default=False, help_text='Tick only if the preview image adds nothing: link previews then give it no description. Otherwise its description is read aloud.', verbose_name='Decorative')),
                        ('to_address', models.CharField(blank=True, help_text='Optional - form submissions will be emailed to these addresses. Separate multiple addresses by comma.', max_length=255, validators=[wagtail.contrib.forms.models.validate_to_address], verbose_name='to address')),
                        ('from_address', models.EmailField(blank=True, max_length=255, verbose_name='from address')),
                        ('subject', models.CharField(blank=True, max_length=255, verbose_name='subject')),
                        ('intro', wagtail.fields.RichTextField(blank=True)),
                        ('thank_you_text', wagtail.fields.RichTextField(blank=True)),
                        ('og_image', models.ForeignKey(blank=True, help_text='Shown when linking to this page on social media. If blank, may show an image from the page, or the default from Settings > SEO.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='wagtailimages.image', verbose_name='Preview image')),
                    ],
                    options={
                        'abstract': False,
                    },
                    bases=(wagtail.contrib.routable_page.models.RoutablePageMixin, wagtail.contrib.forms.models.FormMixin, 'wagtailcore.page', models.Model),
                ),
                migrations.CreateModel(
                    name='ContactFormField',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.IntegerField(blank=True, editable=False, null=True)),
                        ('clean_name', models.CharField(blank=True, default='', help_text='Safe name of the form field, the label converted to ascii_snake_case', max_length=255, verbose_name='name')),
                        ('label', models.CharField(help_text='The label of the form field', max_length=255, verbose_name='label')),
                        ('field_type', models.CharField(choices=[('singleline', 'Single line text'), ('multiline', 'Multi-line text'), ('email', 'Email'), ('number', 'Number'), ('url', 'URL'), ('checkbox', 'Checkbox'), ('checkboxes', 'Checkboxes'), ('dropdown', 'Drop down'), ('multiselect', 'Multiple select'), ('radio', 'Radio buttons'), ('date', 'Date'), ('datetime', 'Date/time'), ('hidden', 'Hidden field')], max_length=16, verbose_name='field type')),
                        ('required', models.BooleanField(default=True, verbose_name='required')),
                        ('choices', models.TextField(blank=True, help_text='Comma or new line separated list of choices. Only applicable in checkboxes, radio and dropdown.', verbose_name='choices')),
                        ('default_value', models.TextField(blank=True, help_text='Default value. Comma or new line separated values supported for checkboxes.', verbose_name='default value')),
                        ('help_text', models.CharField(blank=True, max_length=255, verbose_name='help text')),
                        ('page', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='form_fields', to='services.contactpage')),
                    ],
                    options={
                        'ordering': ['sort_order'],
                        'abstract': False,
                    },
                ),
            ],
        ),
        migrations.RunPython(
            relabel_content_types("home", "services"),
            relabel_content_types("services", "home"),
        ),
    ]
