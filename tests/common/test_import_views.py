import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from common import import_api
from indicators.models import IndicatorSystem, SystemStatus
from org.models import Member, Unit
from tests.common.workbooks import xlsx
from tests.factories import make_system

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD_ROSTER = xlsx(
    {
        "组织": [
            ["code", "name", "kind", "parent"],
            ["C1", "公司党委", "党委", ""],
            ["B1", "第一党支部", "党支部", "C1"],
        ],
        "成员": [["工号", "姓名", "所在组织", "人员类别"], ["1001", "张伟", "B1", "management"]],
    }
)
BAD_ROSTER = xlsx(
    {
        "组织": [
            ["code", "name", "kind", "parent"],
            ["C1", "公司党委", "党委", ""],
            ["B1", "第一党支部", "党支部", "X9"],
        ],
        "成员": [["工号", "姓名", "所在组织", "人员类别"], ["1001", "张伟", "B1", "nobody"]],
    }
)
BAD_ROSTER_ERRORS = [
    "组织!D3: 未知的组织编码“X9” (unknown unit code)",
    "成员!D2: 未知的人员类别编码“nobody” (unknown category code)",
]
DIMENSIONS = ["绩效", "执行", "智慧", "文化", "团队", "信仰"]
GOOD_INDICATORS = xlsx(
    {
        "指标": [
            ["code", "dimension", "name", "weight", "source"],
            *[[f"q{i}", name, f"指标{i}", 1, "问卷"] for i, name in enumerate(DIMENSIONS)],
        ],
        "类别权重": [["category", *DIMENSIONS], ["management", 0.5, 0.1, 0.1, 0.1, 0.1, 0.1]],
        "评价主体权重": [["role", "weight"], ["self", 0.5], ["peer", 0.5]],
    }
)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(data: bytes, name: str = "file.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


@pytest.fixture
def member_user(org_tree):
    return org_tree["member_a"].user


# --- the upload page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_sees_the_upload_form_and_the_template_link(admin_user):
    response = client_for(admin_user).get("/admin/import/roster/")

    assert response.status_code == 200
    content = response.content.decode()
    assert 'type="file"' in content
    assert "/admin/import/roster/template/" in content
    assert "/admin/import/indicators/" in content


@pytest.mark.django_db
def test_the_upload_page_lists_every_error_and_writes_nothing(admin_user):
    response = client_for(admin_user).post("/admin/import/roster/", {"file": upload(BAD_ROSTER)})

    content = response.content.decode()
    for error in BAD_ROSTER_ERRORS:
        assert error.replace("“", "&ldquo;") in content or error in content
    assert "2 个错误" in content
    assert not Unit.objects.filter(code="C1").exists()


@pytest.mark.django_db
def test_the_upload_page_imports_and_shows_the_counts(admin_user):
    response = client_for(admin_user).post("/admin/import/roster/", {"file": upload(GOOD_ROSTER)})

    content = response.content.decode()
    assert 'id="import-summary"' in content
    assert "组织：新增 2" in content
    assert Member.objects.filter(employee_no="1001", unit__code="B1").exists()


@pytest.mark.django_db
def test_an_administrator_reading_pages_in_english_imports_the_chinese_workbook(admin_user):
    response = client_for(admin_user).post(
        "/admin/import/roster/", {"file": upload(GOOD_ROSTER)}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert 'id="import-summary"' in response.content.decode()
    assert Unit.objects.get(code="C1").kind == "committee"


@pytest.mark.django_db
def test_the_upload_page_refuses_a_file_that_is_not_a_workbook(admin_user):
    response = client_for(admin_user).post("/admin/import/roster/", {"file": upload(b"hello", "a.csv")})

    assert "不是 Excel 工作簿" in response.content.decode()


@pytest.mark.django_db
def test_the_indicators_upload_takes_a_year_and_can_publish(admin_user):
    response = client_for(admin_user).post(
        "/admin/import/indicators/", {"file": upload(GOOD_INDICATORS), "year": 2026, "publish": "on"}
    )

    assert response.status_code == 200
    system = IndicatorSystem.objects.get(year=2026)
    assert system.status == SystemStatus.PUBLISHED
    assert system.published_by == admin_user


@pytest.mark.django_db
def test_the_upload_page_shows_a_refused_publish_year(admin_user):
    make_system(2025, publish=True)

    response = client_for(admin_user).post("/admin/import/indicators/", {"file": upload(GOOD_INDICATORS), "year": 2025})

    assert "已发布" in response.content.decode()


@pytest.mark.django_db
def test_a_member_gets_no_access_to_the_upload_page(member_user):
    client = client_for(member_user)

    page = client.get("/admin/import/roster/")
    posted = client.post("/admin/import/roster/", {"file": upload(GOOD_ROSTER)})

    assert page.status_code == 302 and "/admin/login/" in page["Location"]
    assert posted.status_code == 302
    assert Member.objects.get(employee_no="1001").name != "张伟"


@pytest.mark.django_db
def test_an_unknown_kind_is_not_found(admin_user):
    assert client_for(admin_user).get("/admin/import/nothing/").status_code == 404


@pytest.mark.django_db
def test_the_template_download_is_a_workbook(admin_user):
    response = client_for(admin_user).get("/admin/import/indicators/template/")

    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    assert "示例" in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames


@pytest.mark.django_db
def test_the_admin_index_links_to_the_imports_and_templates(admin_user):
    content = client_for(admin_user).get("/admin/").content.decode()

    for url in ["/admin/import/", "/admin/import/roster/", "/admin/import/roster/template/",
                "/admin/import/indicators/", "/admin/import/indicators/template/"]:  # fmt: skip
        assert f'href="{url}"' in content
    assert "app-org" in content or "app-auth" in content  # the usual app list is still there


@pytest.mark.django_db
def test_the_import_hub_lists_every_kind(admin_user):
    content = client_for(admin_user).get("/admin/import/").content.decode()

    assert "/admin/import/roster/" in content and "/admin/import/indicators/" in content


# --- the API -----------------------------------------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_the_api_returns_every_error_with_400(admin_user):
    response = api_for(admin_user).post("/api/v1/imports/roster/", {"file": upload(BAD_ROSTER)}, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"] == BAD_ROSTER_ERRORS
    assert "未写入" in response.json()["detail"]
    assert not Unit.objects.filter(code="C1").exists()


@pytest.mark.django_db
def test_the_api_returns_the_counts(admin_user):
    response = api_for(admin_user).post("/api/v1/imports/roster/", {"file": upload(GOOD_ROSTER)}, format="multipart")

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "roster"
    assert body["changed"] is True
    assert body["counts"]["units"] == {"created": 2, "updated": 0, "unchanged": 0, "deleted": 0}
    assert body["counts"]["members"]["created"] == 1


@pytest.mark.django_db
def test_the_api_imports_indicators_for_a_year(admin_user):
    client = api_for(admin_user)

    missing_year = client.post("/api/v1/imports/indicators/", {"file": upload(GOOD_INDICATORS)}, format="multipart")
    created = client.post(
        "/api/v1/imports/indicators/", {"file": upload(GOOD_INDICATORS), "year": 2026}, format="multipart"
    )

    assert missing_year.status_code == 400
    assert "年度" in missing_year.json()["detail"]
    assert created.status_code == 200
    assert created.json()["counts"]["indicators"]["created"] == 6
    assert IndicatorSystem.objects.get(year=2026).status == SystemStatus.DRAFT


@pytest.mark.django_db
def test_the_api_refuses_a_published_year_with_409(admin_user):
    make_system(2025, publish=True)

    response = api_for(admin_user).post(
        "/api/v1/imports/indicators/", {"file": upload(GOOD_INDICATORS), "year": 2025}, format="multipart"
    )

    assert response.status_code == 409
    assert "已发布" in response.json()["detail"]


@pytest.mark.django_db
def test_the_api_refuses_members_and_anonymous_users(member_user):
    for client in (api_for(member_user), APIClient()):
        posted = client.post("/api/v1/imports/roster/", {"file": upload(GOOD_ROSTER)}, format="multipart")
        template = client.get("/api/v1/imports/roster/template/")
        assert posted.status_code in (401, 403)
        assert template.status_code in (401, 403)
    assert Member.objects.get(employee_no="1001").name != "张伟"


@pytest.mark.django_db
def test_the_api_serves_the_template(admin_user):
    response = api_for(admin_user).get("/api/v1/imports/roster/template/")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames[0] == "组织"


@pytest.mark.django_db
def test_the_api_answers_404_for_an_unknown_kind(admin_user):
    assert api_for(admin_user).get("/api/v1/imports/nothing/template/").status_code == 404


def test_the_import_endpoints_are_in_the_schema_without_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include(import_api.urlpatterns))])

    schema = generator.get_schema(request=None, public=True)

    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache)
    assert set(schema["paths"]) == {"/api/v1/imports/{kind}/", "/api/v1/imports/{kind}/template/"}
    assert "multipart/form-data" in schema["paths"]["/api/v1/imports/{kind}/"]["post"]["requestBody"]["content"]


# --- the commands ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_roster_prints_a_summary(tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(GOOD_ROSTER)

    call_command("import_roster", str(path))

    assert "组织：新增 2" in capsys.readouterr().out
    assert Unit.objects.filter(code="B1", parent__code="C1").exists()


@pytest.mark.django_db
def test_import_roster_prints_every_error_and_fails(tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(BAD_ROSTER)

    with pytest.raises(CommandError, match="2 个错误"):
        call_command("import_roster", str(path))

    assert capsys.readouterr().err.splitlines() == BAD_ROSTER_ERRORS


@pytest.mark.django_db
def test_import_indicators_imports_and_publishes_a_year(tmp_path, capsys):
    path = tmp_path / "indicators.xlsx"
    path.write_bytes(GOOD_INDICATORS)

    call_command("import_indicators", str(path), "--year", "2026", "--publish")

    assert IndicatorSystem.objects.get(year=2026).status == SystemStatus.PUBLISHED
    assert "已发布 2026 年指标体系" in capsys.readouterr().out
    with pytest.raises(CommandError, match="已发布"):
        call_command("import_indicators", str(path), "--year", "2026")


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "first_sheet"), [("roster", "组织"), ("indicators", "指标")])
def test_export_template_writes_each_kind(tmp_path, kind, first_sheet):
    path = tmp_path / f"{kind}.xlsx"

    call_command("export_template", kind, "-o", str(path))

    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames[0] == first_sheet
    assert workbook.sheetnames[-1] == "示例"


def test_export_template_refuses_an_unknown_kind(tmp_path):
    with pytest.raises(CommandError):
        call_command("export_template", "nothing", "-o", str(tmp_path / "x.xlsx"))
