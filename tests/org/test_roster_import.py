import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import ImportErrors
from common.xlsx import workbook_bytes
from org.models import Member, MemberCategory, Post, Unit
from org.scope import is_secretary, units_visible_to
from org.services.roster_io import import_roster, roster_template
from org.services.units import path_for
from tests.common.workbooks import examples_of, fill_template, read_back, xlsx

UNIT_HEAD = ["编码 code", "名称 name", "类型 kind", "上级 parent", "书记 secretary"]
MEMBER_HEAD = [
    "工号 employee_no",
    "姓名 name",
    "所在组织 unit",
    "人员类别 category",
    "入党日期 joined_on",
    "状态 status",
]
POST_HEAD = ["编码 code", "名称 name", "所在组织 unit", "岗位人员 holders", "精品岗位 model_post"]

UNITS: list[list[Any]] = [
    ["C1", "公司党委", "党委", "", ""],
    ["B1", "第一党支部", "branch", "C1", "1001"],
    ["G1", "第一党小组", "党小组", "B1", ""],
    ["B2", "机关党支部", "党支部", "C1", "2001"],
]
MEMBERS: list[list[Any]] = [
    ["1001", "张伟", "B1", "management", "2005-07-01", "在册"],
    ["1002", "李娜", "B1", "technical", dt.datetime(2012, 6, 15), ""],
    ["1003", "王强", "G1", "frontline", "", "active"],
    ["2001", "刘洋", "B2", "management", "", "离开"],
]
POSTS: list[list[Any]] = [
    ["P01", "安全生产示范岗", "B1", "1001、1003", "是"],
    ["P02", "党员服务岗", "B2", "2001", "no"],
]


def secretary_of(code: str) -> str | None:
    return Unit.objects.filter(code=code).values_list("secretary__employee_no", flat=True).get()


def parent_of(code: str) -> str | None:
    return Unit.objects.filter(code=code).values_list("parent__code", flat=True).get()


def roster(units=UNITS, members=MEMBERS, posts=None, *, unit_head=UNIT_HEAD, member_head=MEMBER_HEAD, extra=None):
    sheets = {"组织": [unit_head, *units], "成员": [member_head, *members]}
    if posts is not None:
        sheets["岗位"] = [POST_HEAD, *posts]
    sheets.update(extra or {})
    return xlsx(sheets)


def errors_of(data: bytes) -> list[str]:
    with pytest.raises(ImportErrors) as caught:
        import_roster(source=data)
    return caught.value.errors


def table_counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "members": Member.objects.count(),
        "posts": Post.objects.count(),
        "categories": MemberCategory.objects.count(),
        "through": Post.holders.through.objects.count(),
    }


@pytest.mark.django_db
def test_roster_import_creates_the_tree_members_posts_and_accounts():
    result = import_roster(source=roster(posts=POSTS))

    assert (result.of("units").created, result.of("members").created, result.of("posts").created) == (4, 4, 2)
    assert result.of("accounts").created == 4
    assert result.changed
    units = {u.code: u for u in Unit.objects.all()}
    assert units["C1"].path == path_for(None, units["C1"].pk)
    assert units["G1"].path == path_for(path_for(units["C1"].path, units["B1"].pk), units["G1"].pk)
    member = Member.objects.get(employee_no="1002")
    assert (member.unit.code, member.category.code, member.joined_on, member.status) == (
        "B1",
        "technical",
        dt.date(2012, 6, 15),
        "active",
    )
    assert Member.objects.get(employee_no="2001").status == "left"
    assert Member.objects.get(employee_no="1003").joined_on is None
    for number, username in Member.objects.values_list("employee_no", "user__username"):
        assert username == number
    assert not any(user.has_usable_password() for user in get_user_model().objects.filter(member__isnull=False))


@pytest.mark.django_db
def test_the_secretary_column_makes_the_member_secretary_of_the_unit_and_its_subtree():
    import_roster(source=roster())

    secretary = Member.objects.get(employee_no="1001")
    assert Unit.objects.get(code="B1").secretary == secretary
    assert is_secretary(secretary.user)
    assert set(units_visible_to(secretary.user).values_list("code", flat=True)) == {"B1", "G1"}


@pytest.mark.django_db
def test_posts_get_their_holders_and_model_flag():
    import_roster(source=roster(posts=POSTS))

    post = Post.objects.get(code="P01")
    assert post.is_model
    assert set(post.holders.values_list("employee_no", flat=True)) == {"1001", "1003"}
    assert not Post.objects.get(code="P02").is_model


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("unit_head", "member_head"),
    [
        (["code", "name", "kind", "parent", "secretary"], ["employee_no", "name", "unit", "category", "status"]),
        (["编码", "名称", "类型", "上级", "书记"], ["工号", "姓名", "所在组织", "人员类别", "状态"]),
        (
            ["Code ", "名称 NAME", "类型kind", " 上级 parent", "书记 (secretary)"],
            ["工号/employee_no", "Name", "UNIT", "人员类别 category", "状态 status"],
        ),
    ],
)
def test_headers_may_be_keys_labels_or_both(unit_head, member_head):
    members = [[*row[:4], row[5]] for row in MEMBERS]
    import_roster(source=roster(unit_head=unit_head, member_head=member_head, members=members))

    assert parent_of("G1") == "B1"
    assert secretary_of("B2") == "2001"
    assert Member.objects.get(employee_no="2001").status == "left"


@pytest.mark.django_db
def test_columns_may_come_in_any_order_with_unknown_columns_and_sheets_ignored():
    order = [4, 2, 0, 3, 1]
    units = [[row[i] for i in order] + ["备注"] for row in UNITS]
    data = xlsx(
        {
            "说明": [["这是说明"]],
            "units": [[UNIT_HEAD[i] for i in order] + ["备注 remark"], *units],
            "members": [MEMBER_HEAD[::-1], *[row[::-1] for row in MEMBERS]],
            "示例": [["编码 code"], ["X"]],
        }
    )

    import_roster(source=data)

    assert secretary_of("B1") == "1001"
    assert Member.objects.get(employee_no="1003").unit.code == "G1"


@pytest.mark.django_db
def test_empty_rows_are_skipped():
    import_roster(source=roster(members=[MEMBERS[0], [None] * 6, ["", " ", None, "", "", ""], MEMBERS[3]]))

    assert set(Member.objects.values_list("employee_no", flat=True)) == {"1001", "2001"}


@pytest.mark.django_db
def test_numbers_typed_into_code_cells_are_read_as_text():
    units = [["C1", "公司党委", "党委", "", ""], [7, "第七党支部", "党支部", "C1", 1001]]
    members = [[1001, "张伟", 7.0, "management", "", ""]]

    import_roster(source=roster(units=units, members=members))

    member = Member.objects.get(employee_no="1001")
    assert member.unit.code == "7"
    assert Unit.objects.get(code="7").secretary == member
    assert Member.objects.filter(employee_no="1001", user__username="1001").exists()


@pytest.mark.django_db
def test_rows_may_refer_to_units_members_and_categories_already_stored(org_tree):
    units = [["B3", "新党支部", "党支部", "C1", "1002"]]
    members = [["3001", "赵敏", "B2", "technical", "", ""], ["1002", "李娜", "B3", "management", "", ""]]

    import_roster(source=roster(units=units, members=members, posts=[["P9", "岗位", "B1", "1001 2002", "是"]]))

    assert Unit.objects.get(code="B3").parent == org_tree["committee"]
    assert secretary_of("B3") == "1002"
    assert Member.objects.get(employee_no="1002").unit.code == "B3"
    assert set(Post.objects.get(code="P9").holders.values_list("employee_no", flat=True)) == {"1001", "2002"}


@pytest.mark.django_db
def test_rows_update_the_stored_rows_and_members_missing_from_the_file_stay(org_tree):
    units = [["B1", "第一党支部（新）", "党支部", "C1", "1002"]]
    members = [["1003", "王强", "B2", "technical", "2019-01-01", "离开"]]

    result = import_roster(source=roster(units=units, members=members))

    assert (result.of("units").updated, result.of("members").updated) == (1, 1)
    branch = Unit.objects.get(code="B1")
    assert (branch.name, secretary_of("B1")) == ("第一党支部（新）", "1002")
    moved = Member.objects.get(employee_no="1003")
    assert (moved.unit.code, moved.category.code, moved.status) == ("B2", "technical", "left")
    assert Member.objects.filter(employee_no__in=["1001", "2001", "2002"]).count() == 3


@pytest.mark.django_db
def test_a_unit_moved_in_the_file_moves_its_subtree(org_tree):
    import_roster(source=roster(units=[["B1", "第一党支部", "党支部", "B2", "1001"]], members=[]))

    b1, b2, g1 = (Unit.objects.get(code=c) for c in ("B1", "B2", "G1"))
    assert b1.path == path_for(b2.path, b1.pk)
    assert g1.path == path_for(b1.path, g1.pk)


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    data = roster(posts=POSTS, extra={"人员类别": [["code", "name"], ["management", "管理人员"]]})
    import_roster(source=data)

    with CaptureQueriesContext(connection) as queries:
        result = import_roster(source=data)

    assert not result.changed
    assert result.of("members").unchanged == 4
    assert result.of("units").unchanged == 4
    assert result.of("posts").unchanged == 2
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


@pytest.mark.django_db
def test_a_categories_sheet_creates_and_renames_categories():
    categories = [["code", "name", "name_en"], ["retired", "离退休人员", "Retired"], ["management", "管理干部", ""]]
    members = [["1001", "张伟", "B1", "retired", "", ""], ["2001", "刘洋", "B2", "management", "", ""]]

    result = import_roster(source=roster(members=members, extra={"categories": categories}))

    assert (result.of("categories").created, result.of("categories").updated) == (1, 1)
    assert MemberCategory.objects.get(code="retired").name == "离退休人员"
    assert MemberCategory.objects.get(code="management").name == "管理干部"
    assert Member.objects.get(employee_no="1001").category.code == "retired"


def _with_member(row):
    return roster(members=[*MEMBERS, row])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (roster(units=[*UNITS, ["B9", "x", "党支部", "X9", ""]]), "组织!D6: 未知的组织编码“X9”"),
        (roster(units=[*UNITS, ["B9", "x", "党支部", "C1", "9999"]]), "组织!E6: 未知的工号“9999”"),
        (_with_member(["3001", "赵敏", "B9", "management", "", ""]), "成员!C6: 未知的组织编码“B9”"),
        (_with_member(["3001", "赵敏", "B1", "nobody", "", ""]), "成员!D6: 未知的人员类别编码“nobody”"),
        (_with_member(["3001", "赵敏", "C1", "management", "", ""]), "成员!C6: 党员只能属于党支部或党小组，“C1”是党委"),
        (_with_member(["1002", "李娜", "B1", "management", "", ""]), "成员!A6: 工号“1002”在文件中重复，首次出现于 A3"),
        (roster(units=[*UNITS, ["B1", "x", "党支部", "C1", ""]]), "组织!A6: 组织编码“B1”在文件中重复，首次出现于 A3"),
        (roster(units=[*UNITS, ["B9", "x", "支部", "C1", ""]]), "组织!C6: “支部” 不是有效的选项"),
        (_with_member(["3001", "赵敏", "B1", "management", "2020-13-01", ""]), "成员!E6: “2020-13-01” 不是日期"),
        (_with_member(["3001", "赵敏", "B1", "management", "", "退休"]), "成员!F6: “退休” 不是有效的选项"),
        (_with_member(["3001", "", "B1", "management", "", ""]), "成员!B6: “姓名”不能为空"),
        (roster(posts=[["P1", "岗位", "B1", "1001", "也许"]]), "岗位!E2: “也许” 应为 是/否"),
        (roster(posts=[["P1", "岗位", "B1", "1001, 7777", "是"]]), "岗位!D2: 未知的工号“7777”"),
        (roster(posts=[["P1", "岗位", "Z1", "", "是"]]), "岗位!C2: 未知的组织编码“Z1”"),
    ],
)
def test_every_problem_is_reported_with_its_sheet_and_cell(data, expected):
    errors = errors_of(data)

    assert any(error.startswith(expected) for error in errors), errors


@pytest.mark.django_db
def test_a_cycle_in_the_unit_tree_is_an_error():
    units = [["C1", "公司党委", "党委", "", ""], ["B1", "甲", "党支部", "B2", ""], ["B2", "乙", "党支部", "B1", ""]]

    errors = errors_of(roster(units=units, members=[]))

    assert errors == ["组织!D3: 上级关系形成循环：B1 → B2 → B1 (the unit tree has a cycle)"]


@pytest.mark.django_db
def test_a_cycle_through_stored_units_is_an_error(org_tree):
    errors = errors_of(roster(units=[["C1", "公司党委", "党委", "G1", ""]], members=[]))

    assert errors == ["组织!D2: 上级关系形成循环：C1 → G1 → B1 → C1 (the unit tree has a cycle)"]


@pytest.mark.django_db
def test_a_unit_with_members_cannot_become_a_committee(org_tree):
    errors = errors_of(roster(units=[["B2", "第二党支部", "党总支", "C1", ""]], members=[]))

    assert errors[0].startswith("组织!C2: “B2”下还有党员")


@pytest.mark.django_db
def test_missing_sheets_and_columns_are_reported():
    data = xlsx({"组织": [["编码", "名称"], ["C1", "公司党委"]]})

    errors = errors_of(data)

    assert "组织!A1: 缺少列“类型 kind” (missing column kind)" in errors
    assert any(error.startswith("成员: 缺少工作表") for error in errors)


@pytest.mark.django_db
def test_one_bad_row_leaves_the_database_unchanged(org_tree):
    before = table_counts()
    bad = roster(members=[*MEMBERS, ["3001", "赵敏", "B9", "management", "", ""]], posts=POSTS)

    errors_of(bad)

    assert table_counts() == before
    assert not Unit.objects.filter(code="G1", parent__code="B1").exclude(pk=org_tree["group_a"].pk).exists()
    assert Member.objects.get(employee_no="1002").name == org_tree["member_a"].name


@pytest.mark.django_db
def test_all_errors_are_listed_not_only_the_first():
    members = [["3001", "", "B9", "nobody", "bad", "x"]]

    errors = errors_of(roster(members=members))

    assert {e.split(":")[0] for e in errors} >= {"成员!B2", "成员!E2", "成员!F2"}


def test_the_roster_template_has_headers_examples_and_drop_downs():
    workbook = read_back(workbook_bytes(roster_template()))

    assert workbook.sheetnames == ["组织", "人员类别", "成员", "岗位", "示例"]
    assert [c.value for c in workbook["成员"][1]] == MEMBER_HEAD
    assert workbook["成员"].freeze_panes == "A2"
    kind_validation = workbook["组织"].data_validations.dataValidation[0]
    assert kind_validation.formula1 == '"党委,党总支,党支部,党小组"'
    assert "C2" in kind_validation.sqref
    assert set(examples_of(workbook)) == {"组织", "人员类别", "成员", "岗位"}


@pytest.mark.django_db
def test_the_template_filled_with_its_examples_imports():
    result = import_roster(source=fill_template(read_back(workbook_bytes(roster_template()))))

    assert result.of("units").created == 5
    assert result.of("members").created == 5
    assert secretary_of("B1") == "1001"
    assert set(Post.objects.get(code="P01").holders.values_list("employee_no", flat=True)) == {"1001", "1003"}
