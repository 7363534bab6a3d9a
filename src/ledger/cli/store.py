"""``ledger init`` and ``ledger codes``: the store itself and the classification catalogue."""

from __future__ import annotations

from pathlib import Path

import click

from ledger import codes
from ledger.cli import Session, pass_session
from ledger.cli.params import NAME, YEAR, Choice


@click.command("init")
@pass_session
def init(session: Session) -> None:
    """创建或升级账簿（可重复执行）。"""
    store = session.store
    store.require_owner("创建或升级账簿（init）")
    existed = store.exists()
    session.ledger(create_tables=True)
    from ledger.eventkinds import kinds

    store.record_format()
    store.install_guards(kinds())
    session.initialised()
    verb = "已检查并升级" if existed else "已创建"
    session.emit(
        f"{verb}账簿：{store.describe()}",
        {"ok": True, "store": store.describe(), "created": not existed},
    )


KIND_OPTION = click.option(
    "--kind",
    type=Choice([k.value for k in codes.CodeKind]),
    default=codes.CodeKind.FUNCTION.value,
    show_default=True,
    help="function：支出功能分类；economic：部门预算支出经济分类；gov-economic：政府预算支出经济分类。",
)


@click.group("codes")
def codes_group() -> None:
    """科目：查看《政府收支分类科目》，登记本地新增科目。"""


@codes_group.command("list")
@KIND_OPTION
@click.option("--year", type=YEAR, default=None, help="该年度的科目表（默认：各年度已知的全部科目）。")
@click.option("--prefix", default="", help="只列出以此开头的科目，如 21508。")
@pass_session
def codes_list(session: Session, kind: str, year: int | None, prefix: str) -> None:
    """列出科目编码和名称；本地新增的科目标注“本地新增”。"""
    code_kind = codes.CodeKind(kind)
    if session.store.exists():
        session.ledger().load_codes()
    table = codes.catalogue(code_kind, year)
    rows = [
        (c, n, codes.is_local(code_kind, c, year)) for c, n in table.items() if c.startswith(prefix.strip())
    ]
    book = f"《{codes.book_year(year)}年政府收支分类科目》" if year is not None else "已知各年度科目表"
    lines = [f"{code_kind.label}（{book}）：{len(rows)} 个"]
    lines += [
        f"{'  ' * ((len(c) - 3) // 2)}{c}  {n}{'  （本地新增）' if mine else ''}" for c, n, mine in rows
    ]
    session.emit(
        "\n".join(lines) if rows else "（没有匹配的科目）",
        [{"code": c, "name": n, "local": mine} for c, n, mine in rows],
    )


@codes_group.command("add")
@click.argument("code")
@click.argument("name", type=NAME)
@KIND_OPTION
@click.option("--year", type=YEAR, default=None, help="只在该年度有效（默认：各年度都有效）。")
@pass_session
def codes_add(session: Session, code: str, name: str, kind: str, year: int | None) -> None:
    """登记本地财政使用、而科目表中没有的科目 CODE（名称 NAME）。

    同一科目、同一名称再次登记不重复记录；已有科目不能另起名称。
    """
    entry = codes.LocalCode(
        codes.CodeKind(kind), year or codes.EVERY_YEAR, codes.check_shape(codes.CodeKind(kind), code), name
    )
    from ledger import commands as c

    added, _known = session.execute(c.AddCodes(entries=(entry,), source="ledger codes add"))
    if added:
        session.wrote()
    scope = f"{year} 年" if year else "各年度"
    session.emit(
        f"已登记本地科目 {entry.code} {name}（{entry.kind.label}，{scope}有效）"
        if added
        else f"科目 {entry.code} {name} 已经存在，未重复登记",
        {"ok": True, "code": entry.code, "name": name, "kind": kind, "year": year, "created": bool(added)},
    )


@codes_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@KIND_OPTION
@click.option("--year", type=YEAR, default=None, help="只在该年度有效（默认：各年度都有效）。")
@pass_session
def codes_import(session: Session, file: Path, kind: str, year: int | None) -> None:
    """从 CSV 或 XLSX 文件登记科目（需有“科目编码/编码”和“科目名称/名称”两列）。

    编码可为 UTF-8、带 BOM 的 UTF-8 或 GBK/GB18030。全部检查通过才登记，
    已有的科目（同名）跳过；任何一行有误则一个也不登记。
    """
    from ledger.codefile import read_codes

    entries = read_codes(file, codes.CodeKind(kind), year or codes.EVERY_YEAR)
    from ledger import commands as c

    added, known = session.execute(c.AddCodes(entries=tuple(entries), source=f"ledger codes import {file.name}"))
    if added:
        session.wrote()
    lines = [
        f"已从 {file.name} 读取 {len(entries)} 个科目：新登记 {len(added)} 个，已存在 {len(known)} 个（跳过）"
    ]
    lines += [f"  {e.code}  {e.name}" for e in added[:50]]
    if len(added) > 50:
        lines.append(f"  … 另有 {len(added) - 50} 个")
    session.emit(
        "\n".join(lines),
        {
            "ok": True,
            "file": str(file),
            "read": len(entries),
            "added": [{"code": e.code, "name": e.name} for e in added],
            "skipped": len(known),
        },
    )


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
    session.store.require_owner("授权角色（db grant）")
    session.store.grant(role, as_, password)
    label = "记账员（追加事件、查询）" if as_ == "clerk" else "查询员（只读）"
    session.emit(
        f"已授权角色 {role} 为{label}：{session.store.describe()}", {"ok": True, "role": role, "as": as_}
    )
