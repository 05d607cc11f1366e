from django.db import migrations

CATEGORIES = [
    ("management", "管理人员", "Management"),
    ("technical", "专业技术人员", "Technical staff"),
    ("frontline", "生产一线", "Front line"),
]


def create(apps, schema_editor):
    MemberCategory = apps.get_model("org", "MemberCategory")
    for code, name, name_en in CATEGORIES:
        MemberCategory.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
