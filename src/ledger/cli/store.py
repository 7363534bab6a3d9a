"""``ledger init`` and ``ledger codes``: the store itself and the classification catalogue."""

from __future__ import annotations

import click

from ledger import codes
from ledger.cli import Session, pass_session
from ledger.cli.params import Choice


@click.command("init")
@pass_session
def init(session: Session) -> None:
    """创建或升级账簿（可重复执行）。"""
    store = session.store
    existed = store.exists()
    session.ledger(create_tables=True)
    from ledger.eventkinds import kinds

    store.install_guards(kinds())
    session.initialised()
    verb = "已检查并升级" if existed else "已创建"
    session.emit(
        f"{verb}账簿：{store.describe()}",
        {"ok": True, "store": store.describe(), "created": not existed},
    )


@click.group("codes")
def codes_group() -> None:
    """查看已知的功能分类、经济分类科目。"""


@codes_group.command("list")
@click.option(
    "--kind",
    type=Choice(["function", "economic"]),
    default="function",
    show_default=True,
    help="function：支出功能分类；economic：支出经济分类。",
)
@click.option("--prefix", default="", help="只列出以此开头的科目，如 21508。")
@pass_session
def codes_list(session: Session, kind: str, prefix: str) -> None:
    """列出科目编码和名称。"""
    table = codes.catalogue(codes.CodeKind(kind))
    rows = [(c, n) for c, n in table.items() if c.startswith(prefix)]
    text = "\n".join(f"{'  ' * ((len(c) - 3) // 2)}{c}  {n}" for c, n in rows)
    session.emit(text or "（没有匹配的科目）", [{"code": c, "name": n} for c, n in rows])


@click.group("db")
def db_group() -> None:
    """共享账簿（PostgreSQL）的数据库角色与权限。"""


@db_group.command("grant")
@click.argument("role")
@click.option(
    "--as",
    "as_",
    type=Choice(["clerk", "reporter"]),
    required=True,
    help="clerk：可记录事件和查询；reporter：只能查询。",
)
@click.option("--password", default=None, help="登录口令（不给则只能按服务器的认证方式登录）。")
@pass_session
def db_grant(session: Session, role: str, as_: str, password: str | None) -> None:
    """创建或更新登录角色 ROLE 并授权（须以账簿所有者身份运行）。

    已记录的事件除所有者外任何人都不能修改或删除。
    """
    session.store.require_ready()
    session.store.grant(role, as_, password)
    label = "记账员（追加事件、查询）" if as_ == "clerk" else "查询员（只读）"
    session.emit(
        f"已授权角色 {role} 为{label}：{session.store.describe()}", {"ok": True, "role": role, "as": as_}
    )
