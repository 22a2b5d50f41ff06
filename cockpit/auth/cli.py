"""`python -m cockpit …`: accounts, kiosk tokens and the audit log from the command line.

    python -m cockpit demo-admin                               first administrator "admin"
    python -m cockpit users add NAME --role ROLE [--unit CODE] [--full-name TEXT]
    python -m cockpit users disable|enable|reset|unlock NAME
    python -m cockpit users role NAME --role ROLE [--unit CODE]
    python -m cockpit users list
    python -m cockpit kiosk issue LABEL [--url http://host:8050]
    python -m cockpit kiosk revoke ID|LABEL
    python -m cockpit kiosk list
    python -m cockpit audit [--limit N] [--event EVENT]
    python -m cockpit report [--month YYYY-MM] [--unit CODE] [--out DIR]   monthly pack (cockpit.report)

The database is `--database URL`, else DATABASE_URL, else the embedded SQLite file. Generated
passwords and kiosk addresses are printed once; only their hashes are stored.
"""
from __future__ import annotations

import argparse
import sys

from cockpit.auth import audit, models, roles
from cockpit.auth.models import fmt_time
from cockpit.metrics import units as U
from cockpit.report import cli as report_cli

ROLE_HELP = "、".join(f"{k}（{v}）" for k, v in roles.ROLES.items())


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cockpit", description="运城检察 数据驾驶舱：账户、大屏令牌、审计与研判会商材料")
    p.add_argument("--database", help="数据库地址（默认 DATABASE_URL 或内置 SQLite）")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("demo-admin", help="创建第一个管理员账户 admin（密码随机生成，只显示一次）")

    users = sub.add_parser("users", help="用户管理").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="新增用户（密码随机生成，只显示一次）")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(roles.ROLES), help=ROLE_HELP)
    add.add_argument("--unit", help="所属单位编码（county 角色必填），如 140802")
    add.add_argument("--full-name", help="姓名（可选）")
    for action, text in (("disable", "停用用户（立即失效）"), ("enable", "启用用户"),
                         ("reset", "重置密码（新密码只显示一次；该用户的登录立即失效）"), ("unlock", "解除登录锁定")):
        a = users.add_parser(action, help=text)
        a.add_argument("name")
        a.add_argument("--role", choices=list(roles.ROLES), help=argparse.SUPPRESS)
        a.add_argument("--unit", help=argparse.SUPPRESS)
    role = users.add_parser("role", help="变更角色和单位")
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=list(roles.ROLES), help=ROLE_HELP)
    role.add_argument("--unit")
    users.add_parser("list", help="列出用户")

    kiosk = sub.add_parser("kiosk", help="大屏令牌").add_subparsers(dest="action", required=True)
    issue = kiosk.add_parser("issue", help="发放大屏令牌（地址只显示一次）")
    issue.add_argument("label", help="大屏名称，如 指挥中心主屏")
    issue.add_argument("--url", default="http://127.0.0.1:8050", help="驾驶舱的访问地址（用于拼出大屏地址）")
    revoke = kiosk.add_parser("revoke", help="撤销大屏令牌（该大屏立即失去访问权限）")
    revoke.add_argument("ref", help="令牌编号或大屏名称")
    kiosk.add_parser("list", help="列出大屏令牌")

    aud = sub.add_parser("audit", help="查看审计日志（最新在前）")
    aud.add_argument("--limit", type=int, default=50)
    aud.add_argument("--event", choices=list(audit.EVENTS))

    report_cli.add_parser(sub)
    return p


def main(argv: list[str] | None = None, engine=None) -> int:
    args = _parser().parse_args(argv)
    own = engine is None
    if own:
        from cockpit.metrics.engine import make_engine, read_database_url
        # the pack only reads facts: from the replica when DATABASE_READ_URL is set
        engine = make_engine(args.database or (read_database_url() if args.command == "report" else None))
    try:
        if args.command == "report":
            return report_cli.run(args, engine)
        models.create_tables(engine)
        return _run(args, engine)
    except models.UserError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 1
    finally:
        if own:
            engine.dispose()


def _run(args, engine) -> int:
    actor = models.cli_principal()

    def log(event, detail=None, subject=None):
        audit.record(event, detail, subject=subject, actor=actor, engine=engine)

    if args.command == "demo-admin":
        if models.get_user(engine, "admin") is not None:
            print("账户 admin 已存在（密码在首次创建时显示过）。如忘记密码，请运行：python -m cockpit users reset admin")
            return 0  # idempotent: the README's set-up command may run again
        name, password = models.add_user(engine, "admin", roles.ADMIN, full_name="系统管理员", by=actor.name)
        log("user_added", {"role": roles.ADMIN}, name)
        print("已创建管理员账户（密码只显示这一次，请立即记下并妥善保管）：")
        print(f"  用户名：{name}")
        print(f"  密码：  {password}")
        print("登录后可在“用户与大屏令牌”页面（/admin/users）为其他人开设账户。")
        return 0

    if args.command == "users":
        if args.action == "add":
            name, password = models.add_user(engine, args.name, args.role, args.unit, args.full_name, by=actor.name)
            log("user_added", {"role": args.role, "unit": args.unit}, name)
            unit = f"，单位 {U.UNIT_BY_CODE[args.unit].short}" if args.unit in U.UNIT_BY_CODE else ""
            print(f"已新增用户 {name}（{roles.ROLES[args.role]}{unit}）。初始密码（只显示这一次）：")
            print(f"  {password}")
            return 0
        if args.action == "disable":
            models.set_active(engine, args.name, False)
            log("user_disabled", None, models.normalize_name(args.name))
            print(f"已停用用户 {models.normalize_name(args.name)}，其登录已立即失效。")
            return 0
        if args.action == "enable":
            models.set_active(engine, args.name, True)
            log("user_enabled", None, models.normalize_name(args.name))
            print(f"已启用用户 {models.normalize_name(args.name)}。")
            return 0
        if args.action == "reset":
            password = models.reset_password(engine, args.name)
            log("user_reset", None, models.normalize_name(args.name))
            print(f"已重置用户 {models.normalize_name(args.name)} 的密码，其登录已失效。新密码（只显示这一次）：")
            print(f"  {password}")
            return 0
        if args.action == "unlock":
            n = models.unlock(engine, args.name)
            log("user_unlocked", {"locks": n}, models.normalize_name(args.name))
            print(f"已解除 {models.normalize_name(args.name)} 的登录锁定（{n} 条）。")
            return 0
        if args.action == "role":
            models.set_role(engine, args.name, args.role, args.unit)
            log("user_role", {"role": args.role, "unit": args.unit}, models.normalize_name(args.name))
            print(f"已将 {models.normalize_name(args.name)} 的角色改为 {roles.ROLES[args.role]}，其登录已失效。")
            return 0
        if args.action == "list":
            rows = models.list_users(engine)
            if not rows:
                print("尚无用户。运行 python -m cockpit demo-admin 创建第一个管理员。")
            for r in rows:
                unit = U.UNIT_BY_CODE[r.unit_code].short if r.unit_code in U.UNIT_BY_CODE else "-"
                print(f"{r.name}\t{r.role}\t{unit}\t{'正常' if r.active else '已停用'}\t"
                      f"最近登录 {fmt_time(r.last_login_at) or '-'}\t{r.full_name or ''}")
            return 0

    if args.command == "kiosk":
        if args.action == "issue":
            kid, token = models.issue_kiosk(engine, args.label, by=actor.name)
            log("kiosk_issued", {"kiosk_id": kid}, args.label)
            print(f"已发放大屏令牌 #{kid}（{args.label}）。在大屏浏览器中打开（只显示这一次）：")
            print(f"  {args.url.rstrip('/')}/screen?token={token}")
            return 0
        if args.action == "revoke":
            rows = models.revoke_kiosk(engine, args.ref, by=actor.name)
            for r in rows:
                log("kiosk_revoked", {"kiosk_id": r.id}, r.label)
                print(f"已撤销大屏令牌 #{r.id}（{r.label}），该大屏立即失去访问权限。")
            return 0
        if args.action == "list":
            for r in models.list_kiosks(engine):
                state = f"已撤销 {fmt_time(r.revoked_at)}" if r.revoked_at else "有效"
                print(f"#{r.id}\t{r.label}\t发放 {fmt_time(r.created_at)}\t最近使用 {fmt_time(r.last_used_at) or '-'}\t{state}")
            return 0

    if args.command == "audit":
        rows, total = audit.entries(engine, args.event, None, 0, args.limit)
        for r in rows:
            print(f"{fmt_time(r.at)}\t{r.actor or ''}\t{audit.EVENTS.get(r.event, r.event)}\t{r.subject or ''}\t"
                  f"{r.remote_addr or ''}\t{r.detail or ''}")
        print(f"（共 {total} 条，显示最新 {len(rows)} 条）", file=sys.stderr)
        return 0
    return 2
