"""The audit log's details in Chinese (audit.describe): stored as machine-readable JSON, shown as
授权单位：盐湖区人民检察院；数据来源：… — every key the code writes has a label, nothing is lost."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from cockpit.auth import audit
from cockpit.auth import testing as T

ROOT = Path(__file__).resolve().parent.parent
LATIN = re.compile(r"[A-Za-z]{2,}")


def _dict_keys(node) -> set[str]:
    return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def written_keys() -> dict[str, set[str]]:
    """Event → the detail keys the code passes to audit.record (or the CLI's `log` wrapper):
    dict literals in the call, or dicts assigned to the variable passed in the same function."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "cockpit").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.Module)):
                continue
            assigned: dict[str, set[str]] = {}
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, set()).update(_dict_keys(node.value))
            for node in ast.walk(func):
                if not isinstance(node, ast.Call) or len(node.args) < 2:
                    continue
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if name not in ("record", "log") or not isinstance(node.args[0], ast.Constant):
                    continue
                event, detail = node.args[0].value, node.args[1]
                if event not in audit.EVENTS:
                    continue
                keys = _dict_keys(detail) if isinstance(detail, ast.Dict) else \
                    assigned.get(detail.id, set()) if isinstance(detail, ast.Name) else set()
                found.setdefault(event, set()).update(keys)
    return found


def test_every_detail_key_the_code_writes_has_a_chinese_label():
    keys = written_keys()
    # the scan sees the writers (guards against a scan that finds nothing)
    assert {"granted", "source", "units"} <= keys["view_records"]
    assert {"callback", "module", "page"} <= keys["access_denied"]      # a dict held in a variable
    assert len(set().union(*keys.values())) >= 25
    missing = {e: sorted(k - audit.DETAIL_LABELS.keys()) for e, k in keys.items() if k - audit.DETAIL_LABELS.keys()}
    assert missing == {}


def test_a_records_view_reads_in_chinese():
    stored = json.dumps({"source": "clue", "units": ["CITY"], "granted": ["140802"], "period": "2024-05:ytd",
                         "measure": "clue_found", "page": 2, "total": 17}, sort_keys=True)
    shown = audit.describe(stored)
    assert shown == ("授权单位：盐湖区人民检察院；指标口径：发现监督线索数；页面：第 2 页；统计期间：2024年1—5月；"
                     "数据来源：法律监督线索台账；记录数：17；查询单位：全市")
    assert json.loads(stored)["granted"] == ["140802"]            # what is stored stays a code
    assert audit.describe_subject("view_records", "clue") == "法律监督线索台账"
    # a refused list says so instead of dropping the empty grant
    assert "授权单位：无" in audit.describe(json.dumps({"source": "clue", "granted": []}))


@pytest.fixture(scope="module")
def app():
    """The app's pages registered (page names come from dash.page_registry)."""
    return T.shared_app()


def test_paths_read_as_page_names(app):
    assert audit.page_name("/admin/users") == "用户管理"
    assert audit.page_name("/compare") == "县区对比"
    assert audit.page_name("/county/140802") == "县区（盐湖区人民检察院）"
    assert audit.page_name("/login") == "登录页"
    assert audit.page_name("/nowhere") == "/nowhere"                      # unknown: as stored
    assert audit.describe_subject("access_denied", "/admin/audit") == "审计日志"
    assert audit.describe(json.dumps({"callback": "..x.children..", "module": "cockpit.pages.admin_users"})) \
        == "功能组件：..x.children..；所属页面：用户管理"


def test_the_details_of_every_event_carry_no_english(app):
    samples = [
        {"role": "county", "unit": "140802"},
        {"reason": "unknown_user"}, {"reason": "bad_password"}, {"reason": "disabled"}, {"reason": "empty"},
        {"scope": "account", "minutes": 15, "failures": 5}, {"scope": "address", "minutes": 15, "failures": 20},
        {"until": "2026-12-05T23:55:00Z"},
        {"form": "login"}, {"path": "/login", "method": "POST"},
        {"kiosk_id": 3}, {"token_prefix": "3f9…"},
        {"page": "/compare", "format": "xlsx", "period": "2024Q2", "group": "core", "rows": 16},
        {"page": "/compare", "format": "csv", "period": "2024-06:r12", "group": "core", "rows": 16},
        {"status": "已导入", "rows_read": 10, "rows_loaded": 9, "rows_rejected": 1, "run_id": 4},
        {"run_id": 4, "files": 2, "rows_loaded": 9, "rows_rejected": 1},
        {"reason": "文件超过 20 MB，未上传"}, {"locks": 2}, {"role": "admin", "unit": None},
        {"source": "suggestion", "units": ["COUNTIES", "140800"], "granted": ["CITY"], "period": "2024",
         "measure": None, "page": 1, "total": 0},
    ]
    for detail in samples:
        shown = audit.describe(json.dumps(detail, ensure_ascii=False))
        assert shown, detail
        english = [w for w in LATIN.findall(shown) if w not in ("CSV", "Excel", "MB")]
        assert english == [], (detail, shown)
    assert "登录" in audit.EVENTS["login"] and not any(LATIN.search(v) for v in audit.EVENTS.values())


def test_nothing_is_lost():
    # unknown keys, unknown codes and text that is not JSON are shown as stored
    shown = audit.describe(json.dumps({"units": ["999999"], "source": "nosuch", "extra": "x1"}))
    assert "999999" in shown and "nosuch" in shown and "extra=x1" in shown
    assert audit.describe("not json <b>") == "not json <b>"
    assert audit.describe(None) == "" and audit.describe("") == ""
    assert audit.describe_subject("login", "zhangsan") == "zhangsan"
