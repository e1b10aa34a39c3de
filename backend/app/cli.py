"""Command line: `python -m backend.app.cli {migrate,downgrade,create-staff,set-password,revoke-staff}`."""
from __future__ import annotations

import argparse
import getpass
import sys

from backend.app.core.config import ConfigError, Settings
from backend.app.core.db import make_engine, make_session_factory
from backend.app.core.timeutil import utcnow


def _settings() -> Settings:
    settings = Settings()
    settings.check_safe_for_production()
    return settings


def cmd_migrate(args: argparse.Namespace) -> int:
    from backend.app.migrations import upgrade

    settings = _settings()
    upgrade(args.database_url or settings.DATABASE_URL, args.revision)
    print(f"数据库已迁移到 {args.revision}。")
    return 0


def cmd_downgrade(args: argparse.Namespace) -> int:
    from backend.app.migrations import downgrade

    settings = _settings()
    downgrade(args.database_url or settings.DATABASE_URL, args.revision)
    print(f"数据库已回退到 {args.revision}。")
    return 0


def _read_password() -> str | None:
    """From the terminal (asked twice, not echoed) or the first line of stdin - never an argument."""
    if sys.stdin.isatty():
        first = getpass.getpass("请输入密码（不回显）：")
        if getpass.getpass("请再次输入密码：") != first:
            print("两次输入的密码不一致。", file=sys.stderr)
            return None
        return first
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _create_account(args: argparse.Namespace, settings: Settings, name: str) -> int:
    from backend.app.staff import passwords, sessions
    from backend.app.staff.models import StaffRole

    password = _read_password()
    if password is None:
        return 2
    engine = make_engine(args.database_url or settings.DATABASE_URL, pool_size=1)
    try:
        with make_session_factory(engine).begin() as session:
            row = sessions.create_account(session, args.username, name, StaffRole(args.role), password)
            staff_id, username = row.staff_id, row.username
    except (sessions.AccountError, passwords.WeakPassword) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    role_text = "办事员" if args.role == "worker" else "12333坐席"
    print(f"已为{role_text} {name} 创建登录账号 {username}（编号 {staff_id}），可在工作台登录页用此用户名和密码登录。")
    return 0


def cmd_create_staff(args: argparse.Namespace) -> int:
    from backend.app.staff.models import StaffRole
    from backend.app.staff.tokens import create_staff_token

    settings = _settings()
    name = args.name.strip()
    if not name:
        print("请用 --name 提供工作人员姓名。", file=sys.stderr)
        return 2
    if args.username:
        return _create_account(args, settings, name)
    engine = make_engine(args.database_url or settings.DATABASE_URL, pool_size=1)
    try:
        with make_session_factory(engine).begin() as session:
            row, token = create_staff_token(session, StaffRole(args.role), name)
            staff_id = row.staff_id
    finally:
        engine.dispose()
    role_text = "办事员" if args.role == "worker" else "12333坐席（只读）"
    print(f"已为{role_text} {name} 创建令牌（编号 {staff_id}）。令牌只显示这一次，请妥善保存：")
    print(token)
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from backend.app.staff import passwords, sessions

    settings = _settings()
    password = _read_password()
    if password is None:
        return 2
    engine = make_engine(args.database_url or settings.DATABASE_URL, pool_size=1)
    try:
        with make_session_factory(engine).begin() as session:
            account = sessions.find_account(session, args.username)
            if account is None:
                print(f"没有用户名为 {args.username} 的登录账号。", file=sys.stderr)
                return 1
            sessions.set_password(session, account, password)
    except passwords.WeakPassword as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"已为 {args.username} 设置新密码，此前的登录会话均已失效。")
    return 0


def _disable_account(args: argparse.Namespace, settings: Settings) -> int:
    from backend.app.staff import sessions
    from backend.app.staff.models import StaffAccount

    engine = make_engine(args.database_url or settings.DATABASE_URL, pool_size=1)
    try:
        with make_session_factory(engine).begin() as session:
            number = args.staff_id.removeprefix("account-")
            row = session.get(StaffAccount, int(number)) if number.isdigit() else None
            if row is None:
                print(f"没有编号为 {args.staff_id} 的登录账号。", file=sys.stderr)
                return 1
            sessions.disable_account(session, row)
    finally:
        engine.dispose()
    print(f"已停用登录账号 {args.staff_id}，其登录会话均已失效。")
    return 0


def cmd_revoke_staff(args: argparse.Namespace) -> int:
    from backend.app.staff.models import StaffToken

    settings = _settings()
    if args.staff_id.startswith("account-"):
        return _disable_account(args, settings)
    engine = make_engine(args.database_url or settings.DATABASE_URL, pool_size=1)
    try:
        with make_session_factory(engine).begin() as session:
            number = int(args.staff_id.removeprefix("staff-"))
            row = session.get(StaffToken, number)
            if row is None:
                print(f"没有编号为 {args.staff_id} 的工作人员令牌。", file=sys.stderr)
                return 1
            row.revoked_at = row.revoked_at or utcnow()
    finally:
        engine.dispose()
    print(f"已吊销 {args.staff_id} 的令牌。")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.app.cli", description="案件后台管理命令")
    parser.add_argument("--database-url", help="默认使用环境变量 DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="执行数据库迁移（默认到最新 head）")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("downgrade", help="回退数据库迁移（默认回到 base，会删除所有表）")
    p.add_argument("revision", nargs="?", default="base")
    p.set_defaults(func=cmd_downgrade)

    p = sub.add_parser(
        "create-staff",
        help="创建工作人员令牌并打印一次；带 --username 时创建用密码登录工作台的账号（密码从终端或标准输入读取）",
    )
    p.add_argument("--role", choices=["worker", "agent"], required=True)
    p.add_argument("--name", required=True, help="姓名（显示用）")
    p.add_argument("--username", help="登录用户名（小写字母、数字、_ . -）；密码不作为参数传入")
    p.set_defaults(func=cmd_create_staff)

    p = sub.add_parser("set-password", help="重设登录账号的密码（从终端或标准输入读取），其会话全部失效")
    p.add_argument("--username", required=True)
    p.set_defaults(func=cmd_set_password)

    p = sub.add_parser("revoke-staff", help="吊销工作人员令牌（staff-N）或停用登录账号（account-N）")
    p.add_argument("staff_id", help="如 staff-3 或 account-2")
    p.set_defaults(func=cmd_revoke_staff)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"backend: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
