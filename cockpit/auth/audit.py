"""The audit log: who did what, when, from where.

    from cockpit.auth import audit
    audit.record("export", {"what": "县区对比", "format": "xlsx", "period": "2024"})

`record` takes the actor and the address from the current request (or the command line) and
never raises unless `required=True`: a failing audit write is logged, and the page goes on.
Do not put personal data (names, ID numbers) into `detail`: ids, filters and counts only.

`detail` is stored as JSON with machine-readable keys and values (unit codes, source ids …;
tests and tools parse it). The audit page shows it in Chinese through `describe`: every key has
a label in DETAIL_LABELS and every coded value a reading in `_value`, so a new key written here
needs a label there (tests/test_audit_describe.py checks every key the code writes).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import Engine, func, select

from cockpit.auth import context
from cockpit.auth.models import Principal, audit_log, utcnow, writing

log = logging.getLogger(__name__)

EVENTS = {
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "账户锁定",
    "login_blocked": "锁定期间尝试登录",
    "logout": "退出登录",
    "session_expired": "登录超时",
    "kiosk_login": "大屏令牌登录",
    "kiosk_denied": "大屏令牌无效",
    "kiosk_issued": "发放大屏令牌",
    "kiosk_revoked": "撤销大屏令牌",
    "user_added": "新增用户",
    "user_disabled": "停用用户",
    "user_enabled": "启用用户",
    "user_reset": "重置密码",
    "user_role": "变更角色",
    "user_unlocked": "解除锁定",
    "lock_lifted": "解除地址锁定",
    "password_changed": "修改本人密码",
    "password_change_failed": "修改本人密码失败",
    "upload": "上传文件",
    "upload_refused": "拒收上传文件",
    "upload_withdrawn": "撤回上传文件",
    "etl_run": "数据导入",
    "export": "导出",
    "threshold_saved": "设定预警阈值",
    "threshold_deleted": "删除预警阈值",
    "annotation_saved": "记录大事记",
    "annotation_deleted": "删除大事记",
    "pack_generated": "生成研判会商材料",
    "view_records": "查看明细",
    "access_denied": "越权访问被拒绝",
    "csrf_failed": "表单校验失败（疑似跨站请求）",
}

# The keys of `detail` as the audit page names them.
DETAIL_LABELS = {
    "source": "数据来源",
    "units": "查询单位",
    "granted": "授权单位",
    "unit": "单位",
    "role": "角色",
    "period": "统计期间",
    "measure": "指标口径",
    "page": "页面",              # an int: the page number of a list (see _value)
    "total": "记录数",
    "path": "页面",
    "method": "请求方式",
    "form": "表单",
    "callback": "功能组件",
    "module": "所属页面",
    "token_prefix": "令牌前缀",
    "kiosk_id": "大屏令牌编号",
    "until": "锁定至",
    "reason": "原因",
    "scope": "锁定范围",
    "minutes": "锁定时长（分钟）",
    "failures": "失败次数",
    "locks": "解除的锁定数",
    "status": "状态",
    "rows_read": "读取行数",
    "rows_loaded": "导入行数",
    "rows_rejected": "退回行数",
    "run_id": "导入批次号",
    "files": "文件数",
    "format": "文件格式",
    "group": "指标组",
    "rows": "行数",
    "what": "内容",
    "lock_id": "锁定编号",
    "name": "锁定对象",
    "address": "地址",
    "malformed": "请求异常",
    "clue": "线索编号",
    "stage": "清单",
    "model": "模型",
    "metric": "指标",
    "lower": "下限",
    "upper": "上限",
    "threshold_id": "阈值编号",
    "annotation_id": "大事记编号",
    "kind": "事件类型",
    "month": "月份",
    "end_month": "结束月份",
}
# Coded values of some keys (models.authenticate's reasons, lockout scopes, request methods …).
VALUE_LABELS = {
    "reason": {"unknown_user": "用户名不存在", "bad_password": "密码错误", "disabled": "账户已停用",
               "empty": "用户名或密码为空"},
    "scope": {"account": "账户", "address": "地址"},
    "method": {"POST": "提交", "GET": "打开", "PUT": "修改", "DELETE": "删除"},
    "form": {"login": "登录表单"},
    "format": {"csv": "CSV", "xlsx": "Excel", "docx": "Word", "pdf": "PDF"},
    "malformed": {"inputs differ from the declared ones": "请求的输入与组件声明不符"},
    "kind": {"launch": "平台上线", "campaign": "专项行动", "definition": "口径变更", "data_gap": "数据缺失",
             "other": "其他"},
}
# Paths that are not Dash pages.
PATH_LABELS = {
    "/login": "登录页",
    "/logout": "退出登录",
    "/_dash-update-component": "页面数据请求",
    "/_dash-layout": "页面布局请求",
    "/reports/download": "下载研判会商材料",
}


EVERY_UNIT = "*"   # a `unit` of the detail meaning every unit (a threshold set for all)


class AuditUnavailable(RuntimeError):
    pass


def _engine() -> Engine:
    from cockpit import data
    return data.engine()


def _text(detail) -> str | None:
    if detail is None:
        return None
    if isinstance(detail, str):
        return detail[:4000]
    return json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)[:4000]


def record(event: str, detail=None, *, subject: str | None = None, actor: Principal | None = None,
           engine: Engine | None = None, required: bool = False, at: datetime | None = None) -> bool:
    """Write one audit entry. Returns whether it was written."""
    actor = actor or context.current_principal()
    if actor is not None and actor.kind == "warm":
        return False      # the cache warm-up (cockpit.warm) is nobody: it looks at nothing
    try:
        with writing(engine or _engine()) as conn:
            conn.execute(audit_log.insert().values(
                at=at or utcnow(), actor=(actor.name if actor else "（未登录）")[:80],
                role=(actor.role if actor else None), event=event[:32],
                subject=(str(subject)[:200] if subject is not None else None), detail=_text(detail),
                remote_addr=context.remote_addr(), user_agent=context.user_agent()))
        return True
    except Exception as err:  # noqa: BLE001 - the audit must not take the page down
        log.error("audit write failed (%s): %s", event, err)
        if required:
            raise AuditUnavailable(str(err)) from err
        return False


def _pages() -> list[dict]:
    try:
        import dash
        return list(dash.page_registry.values())
    except Exception:  # noqa: BLE001 - outside the app: no page names
        return []


def page_name(path: str) -> str:
    """A path as the page's Chinese name (`/admin/users` → 用户管理); unknown paths as they are."""
    import re
    clean = str(path).split("?")[0].rstrip("/") or "/"
    if clean in PATH_LABELS:
        return PATH_LABELS[clean]
    for page in _pages():
        if page.get("path") == clean and not page.get("path_template"):
            return page["name"]
        template = page.get("path_template")
        if template:
            rx = "^" + re.sub(r"<[^>]+>", "([^/]+)", re.escape(template)) + "$"
            m = re.match(rx, clean)
            if m:
                return f"{page['name']}（{'、'.join(_unit_or_code(v) for v in m.groups())}）"
    return str(path)


def _unit_or_code(value) -> str:
    from cockpit.metrics import units as U
    value = str(value)
    if value == EVERY_UNIT:
        return "全部单位"
    if value in U.GROUPS:
        return U.GROUPS[value][0]
    unit = U.UNIT_BY_CODE.get(value)
    return unit.name if unit else value


def _module_page(module: str) -> str:
    for page in _pages():
        if page.get("module") == module:
            return page["name"]
    return str(module)


def _value(key: str, value) -> str:
    """One value of `detail` as the audit page shows it."""
    from cockpit.auth import roles
    from cockpit.metrics.contracts import SOURCE_BY_ID
    from cockpit.metrics.measures import MEASURE_BY_ID
    from cockpit.metrics.periods import Period
    if isinstance(value, list):
        if key == "granted" and not value:
            return "无"
        return "、".join(_value(key, v) for v in value)
    if key in VALUE_LABELS:
        return VALUE_LABELS[key].get(str(value), str(value))
    if key in ("units", "granted", "unit"):
        return _unit_or_code(value)
    if key == "role":
        return roles.ROLES.get(str(value), str(value))
    if key == "source":
        return SOURCE_BY_ID[value].name if value in SOURCE_BY_ID else str(value)
    if key == "metric":
        from cockpit.metrics.catalog import METRIC_BY_ID
        return METRIC_BY_ID[value].name if value in METRIC_BY_ID else str(value)
    if key == "measure":
        return MEASURE_BY_ID[value].name if value in MEASURE_BY_ID else str(value)
    if key == "period":
        try:
            return Period.parse(str(value)).label
        except ValueError:
            return str(value)
    if key in ("month", "end_month"):
        from cockpit.metrics.periods import month_label
        try:
            return month_label(str(value))
        except (ValueError, IndexError):
            return str(value)
    if key == "page":
        return f"第 {value} 页" if isinstance(value, int) else page_name(value)
    if key == "path":
        return page_name(value)
    if key == "module":
        return _module_page(value)
    if key == "group":
        from cockpit.components.catalog_groups import GROUP_LABELS
        return GROUP_LABELS.get(str(value), str(value))
    if key == "until":
        try:
            from cockpit.auth.models import fmt_time
            return fmt_time(datetime.fromisoformat(str(value).removesuffix("Z"))) + "（北京时间）"
        except ValueError:
            return str(value)
    return str(value)


def describe(detail: str | None) -> str:
    """A stored `detail` in Chinese for the audit page: 授权单位：盐湖区人民检察院；数据来源：监督线索.
    Nothing is dropped: a key without a label keeps its name, a value without a reading stays as
    stored, text that is not JSON is shown as it is."""
    if not detail:
        return ""
    try:
        value = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(value, dict):
        return str(value)
    parts = []
    for key, v in value.items():
        if v in (None, "") or (v == [] and key != "granted"):
            continue
        label = DETAIL_LABELS.get(key)
        parts.append(f"{label}：{_value(key, v)}" if label else f"{key}={v}")
    return "；".join(parts)


def describe_subject(event: str, subject: str | None) -> str:
    """The entry's object in Chinese where it is a code: a data source, a page's path."""
    if not subject:
        return ""
    if event == "view_records":
        from cockpit.metrics.contracts import SOURCE_BY_ID
        return SOURCE_BY_ID[subject].name if subject in SOURCE_BY_ID else subject
    if event == "access_denied" and subject.startswith("/"):
        return page_name(subject)
    return subject


def entries(engine: Engine, event: str | None = None, actor: str | None = None, page: int = 0,
            page_size: int = 50) -> tuple[list, int]:
    """(rows newest first, total) of the log, optionally one event and/or an actor substring."""
    q = select(audit_log)
    n = select(func.count()).select_from(audit_log)
    if event:
        q, n = q.where(audit_log.c.event == event), n.where(audit_log.c.event == event)
    if actor:
        like = f"%{actor.strip()[:80]}%"
        q, n = q.where(audit_log.c.actor.like(like)), n.where(audit_log.c.actor.like(like))
    with engine.connect() as conn:
        total = conn.execute(n).scalar() or 0
        rows = conn.execute(q.order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
                            .limit(page_size).offset(page * page_size)).all()
    return rows, int(total)
