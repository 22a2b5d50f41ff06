"""The audit log: who did what, when, from where.

    from cockpit.auth import audit
    audit.record("export", {"what": "县区对比", "format": "xlsx", "period": "2024"})

`record` takes the actor and the address from the current request (or the command line) and
never raises unless `required=True`: a failing audit write is logged, and the page goes on.
Do not put personal data (names, ID numbers) into `detail`: ids, filters and counts only.
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
    "view_records": "查看明细",
    "access_denied": "越权访问被拒绝",
    "csrf_failed": "CSRF 校验失败",
}


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
