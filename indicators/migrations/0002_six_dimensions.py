from django.db import migrations

DIMENSIONS = [
    ("performance", "绩效", "Performance"),
    ("execution", "执行", "Execution"),
    ("wisdom", "智慧", "Wisdom"),
    ("culture", "文化", "Culture"),
    ("team", "团队", "Team"),
    ("belief", "信仰", "Belief"),
]


def create(apps, schema_editor):
    Dimension = apps.get_model("indicators", "Dimension")
    for order, (key, name, name_en) in enumerate(DIMENSIONS, start=1):
        Dimension.objects.update_or_create(key=key, defaults={"name": name, "name_en": name_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
