from django.db import migrations


def rebuild(apps, schema_editor):
    Unit = apps.get_model("org", "Unit")
    parent_of = dict(Unit.objects.values_list("pk", "parent_id"))

    def path(pk):
        parts = []
        while pk is not None:
            parts.append(f"{pk:010d}")
            pk = parent_of[pk]
        return "/" + "/".join(reversed(parts)) + "/"

    for unit in Unit.objects.all():
        Unit.objects.filter(pk=unit.pk).update(path=path(unit.pk))


class Migration(migrations.Migration):
    dependencies = [("org", "0002_default_categories")]
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
