"""Demo data: a district with two agencies, officers with credentials, reviewer, head, supervisor, admin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from casebook.db.models import Agency, Party, SummaryForm, User
from casebook.domain.identifiers import resident_id_check_digit, uscc_check_char
from casebook.domain.lifecycle import ROLE_LABELS
from casebook.services import users
from casebook.services.context import SYSTEM

DEMO_PASSWORD = "casebook-demo-2026"
# (username, who) for the login page of the embedded mode
DEMO_ACCOUNTS = [
    ("zhangwei", "张伟 · 执法人员（市场监督管理局）"), ("liqiang", "李强 · 执法人员（市场监督管理局）"),
    ("wangfang", "王芳 · 执法人员（市场监督管理局）"), ("zhaomin", "赵敏 · 负责人（市场监督管理局）"),
    ("sunli", "孙丽 · 法制审核人员（市场监督管理局）"), ("chenjie", "陈杰 · 执法人员（综合行政执法局）"),
    ("zhouhua", "周华 · 负责人（综合行政执法局）"), ("wujing", "吴静 · 监督人员（区人民政府）"),
    ("admin", "系统管理员"),
]


def demo_resident_id(body17: str) -> str:
    return body17 + resident_id_check_digit(body17)


def demo_uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "catalogue"


def seed_demo(s: Session, *, catalogue: bool = True) -> list[tuple[str, str, str, str]]:
    """Create the demo organisation once (and import the seed rules catalogue); return logins to print."""
    if s.execute(select(Agency.id).limit(1)).first():
        return []
    district = users.create_agency(s, "枣庄市山亭区人民政府", "山亭", "district")
    amr = users.create_agency(s, "枣庄市山亭区市场监督管理局", "山亭市监", "department", district.id)
    cle = users.create_agency(s, "枣庄市山亭区综合行政执法局", "山亭综执", "department", district.id)
    users.create_agency(s, "山亭区市场监督管理局城区市场监管所", "山亭市监城区", "squad", amr.id)
    valid_from, valid_to = dt.date(2024, 1, 1), dt.date(2029, 12, 31)
    people = [
        ("zhangwei", "张伟", amr, ["officer"], "37040024001", "市场监管"),
        ("liqiang", "李强", amr, ["officer"], "37040024002", "市场监管"),
        ("wangfang", "王芳", amr, ["officer"], "37040024003", "市场监管"),
        ("zhaomin", "赵敏", amr, ["agency_head"], None, None),
        ("sunli", "孙丽", amr, ["legal_reviewer"], None, None),
        ("chenjie", "陈杰", cle, ["officer"], "37040024101", "综合行政执法"),
        ("liuyang", "刘洋", cle, ["officer"], "37040024102", "综合行政执法"),
        ("zhouhua", "周华", cle, ["agency_head"], None, None),
        ("wujing", "吴静", district, ["supervisor"], None, None),
        ("admin", "系统管理员", district, ["admin"], None, None),
    ]
    out = []
    for username, name, agency, roles, cred, field in people:
        u = users.create_user(s, SYSTEM, username=username, display_name=name, password=DEMO_PASSWORD,
                              agency_id=agency.id, roles=roles, bar_qualified="legal_reviewer" in roles)
        if cred:
            users.issue_credential(s, SYSTEM, u.id, credential_no=cred, field=field, valid_from=valid_from, valid_to=valid_to)
        out.append((username, DEMO_PASSWORD, f"{name}（{agency.name}）", "、".join(ROLE_LABELS[r] for r in roles)))
    s.add_all([
        Party(kind="person", name="韩梅梅", id_number=demo_resident_id("37040219850312002"), phone="13806320001",
              address="山东省枣庄市山亭区北庄镇幸福路5号", created_by_agency_id=amr.id),
        Party(kind="organization", name="枣庄市山亭区好味来食品有限公司", id_number=demo_uscc("91370406MA3C00001"),
              legal_representative="李雷", phone="06328810001", address="山东省枣庄市山亭区府前路88号",
              created_by_agency_id=amr.id),
    ])
    s.add_all([SummaryForm(agency_id=amr.id, form_no=f"SD{2026}{n:05d}") for n in range(1, 51)])
    s.flush()
    if catalogue and CATALOGUE_DIR.is_dir():
        from casebook.services.catalogue import seed_directory

        seed_directory(s, CATALOGUE_DIR)
    return out


def demo_user(s: Session, username: str) -> User:
    return s.execute(select(User).where(User.username == username)).scalar_one()
