"""`python -m cockpit users|kiosk|demo-admin|audit` on SQLite and PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.auth import audit, models, passwords
from cockpit.auth.cli import main

PROJECT = Path(__file__).resolve().parent.parent


def run(engine, capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv), engine=engine)
    out, err = capsys.readouterr()
    return code, out, err


def password_in(out: str) -> str:
    return out.strip().splitlines()[-1].split()[-1]


def test_users_add_login_disable_reset(engine, capsys):
    code, out, _ = run(engine, capsys, "users", "add", "Zhang.San", "--role", "county", "--unit", "140802",
                       "--full-name", "张三")
    assert code == 0 and "只显示这一次" in out
    pw = password_in(out)
    row = models.get_user(engine, "zhang.san")
    assert row.role == "county" and row.unit_code == "140802" and row.full_name == "张三"
    assert pw not in row.password_hash and passwords.verify(row.password_hash, pw)
    assert models.authenticate(engine, "zhang.san", pw)[0] is not None

    code, _, err = run(engine, capsys, "users", "add", "zhang.san", "--role", "leader")
    assert code == 1 and "已存在" in err
    code, _, err = run(engine, capsys, "users", "add", "li", "--role", "county")
    assert code == 1 and "必须指定所属单位" in err
    code, _, err = run(engine, capsys, "users", "add", "wang", "--role", "county", "--unit", "999999")
    assert code == 1 and "未知单位编码" in err
    code, _, err = run(engine, capsys, "users", "add", "<script>", "--role", "leader")
    assert code == 1 and "用户名" in err

    code, out, _ = run(engine, capsys, "users", "disable", "zhang.san")
    assert code == 0 and models.authenticate(engine, "zhang.san", pw) == (None, "disabled")
    run(engine, capsys, "users", "enable", "zhang.san")
    code, out, _ = run(engine, capsys, "users", "reset", "zhang.san", "--role", "county", "--unit", "140802")
    new = password_in(out)
    assert code == 0 and new != pw
    assert models.authenticate(engine, "zhang.san", pw)[0] is None
    assert models.authenticate(engine, "zhang.san", new)[0] is not None

    code, _, _ = run(engine, capsys, "users", "role", "zhang.san", "--role", "leader")
    assert code == 0 and models.get_user(engine, "zhang.san").role == "leader"

    code, out, _ = run(engine, capsys, "users", "list")
    assert "zhang.san\tleader" in out
    code, _, err = run(engine, capsys, "users", "disable", "nobody")
    assert code == 1 and "不存在" in err

    actions = [r.event for r in audit.entries(engine, None, page_size=50)[0]]
    assert {"user_added", "user_disabled", "user_enabled", "user_reset", "user_role"} <= set(actions)
    assert all(r.actor.startswith("cli:") and r.remote_addr == "local" for r in audit.entries(engine)[0])


def test_demo_admin_once(engine, capsys):
    code, out, _ = run(engine, capsys, "demo-admin")
    assert code == 0 and "用户名：admin" in out
    pw = next(line.split("：")[1].strip() for line in out.splitlines() if line.strip().startswith("密码"))
    assert len(pw) >= 16
    row, _ = models.authenticate(engine, "admin", pw)
    assert row.role == "admin"
    # again (the README's set-up command may run twice): nothing changes, no new password
    code, out, _ = run(engine, capsys, "demo-admin")
    assert code == 0 and "已存在" in out and "users reset admin" in out and "密码：" not in out
    assert models.authenticate(engine, "admin", pw)[0] is not None
    # the password is random: two installs never share it
    assert passwords.generate() != passwords.generate()


def test_kiosk_issue_list_revoke(engine, capsys):
    code, out, _ = run(engine, capsys, "kiosk", "issue", "指挥中心主屏", "--url", "http://cockpit:8050/")
    assert code == 0
    url = out.strip().splitlines()[-1].strip()
    assert url.startswith("http://cockpit:8050/screen?token=")
    token = url.split("token=")[1]
    assert models.find_kiosk(engine, token) is not None
    code, out, _ = run(engine, capsys, "kiosk", "list")
    assert "指挥中心主屏" in out and "有效" in out and token not in out
    code, out, _ = run(engine, capsys, "kiosk", "revoke", "指挥中心主屏")
    assert code == 0 and models.find_kiosk(engine, token) is None
    code, _, err = run(engine, capsys, "kiosk", "revoke", "指挥中心主屏")
    assert code == 1 and "没有找到" in err


def test_audit_command(engine, capsys):
    run(engine, capsys, "users", "add", "leader1", "--role", "leader")
    code, out, err = run(engine, capsys, "audit", "--event", "user_added")
    assert code == 0 and "新增用户" in out and "leader1" in out and "共 1 条" in err


def test_python_dash_m_cockpit(tmp_path):
    """The real entry point, in a subprocess, on an SQLite file."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "cockpit", "--database", url]
    out = subprocess.run(cmd + ["users", "add", "leader1", "--role", "leader"], cwd=PROJECT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(cmd + ["users", "list"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "leader1\tleader" in out.stdout
    out = subprocess.run(cmd + ["users", "frobnicate"], cwd=PROJECT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 2


@pytest.mark.parametrize("bad", ["a", "x" * 33, "with space", "semi;colon", "<b>"])
def test_user_name_rules(engine, bad):
    with pytest.raises(models.UserError):
        models.add_user(engine, bad, "leader")
