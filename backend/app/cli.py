"""Command line: `python -m backend.app.cli {migrate,downgrade,create-staff,revoke-staff}`."""
from __future__ import annotations

import argparse
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


def cmd_create_staff(args: argparse.Namespace) -> int:
    from backend.app.staff.models import StaffRole
    from backend.app.staff.tokens import create_staff_token

    settings = _settings()
    name = args.name.strip()
    if not name:
        print("请用 --name 提供工作人员姓名。", file=sys.stderr)
        return 2
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


def cmd_revoke_staff(args: argparse.Namespace) -> int:
    from backend.app.staff.models import StaffToken

    settings = _settings()
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

    p = sub.add_parser("create-staff", help="创建工作人员令牌并打印一次")
    p.add_argument("--role", choices=["worker", "agent"], required=True)
    p.add_argument("--name", required=True)
    p.set_defaults(func=cmd_create_staff)

    p = sub.add_parser("revoke-staff", help="吊销工作人员令牌")
    p.add_argument("staff_id", help="如 staff-3")
    p.set_defaults(func=cmd_revoke_staff)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"backend: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
