"""One example per command, shown at the end of its help page (``示例：``).

Kept in one place so a clerk's examples read alike, the reports' and the read
models' commands (``projections``) among them.
"""

from __future__ import annotations

import click

EXAMPLES: dict[str, str] = {
    "help": "ledger help report month",
    "init": "ledger --db ledger.db init",
    "codes list": "ledger codes list --kind function --prefix 21508",
    "codes add": "ledger codes add 2159999 其他工业和信息产业监管支出 --kind function --year 2024",
    "codes import": "ledger codes import 本地科目.xlsx --kind function --year 2024",
    "db grant": "ledger --db postgresql://ledger_owner@dbhost/ledger?schema=gulou db grant zhang_clerk --as clerk",
    "unit add": "ledger unit add 153001 福州市鼓楼区工业和信息化局 --kind 行政单位",
    "unit opening-balance": "ledger unit opening-balance 153001 2024 35.5万 --fund 一般公共预算",
    "unit curve": "ledger unit curve 153001 2024 5 10 20 30 40 50 58 66 75 83 92 100",
    "project add": "ledger project add 153001 P2024-017 技术改造补助资金 --function 2159904 --category 特定目标类",
    "appropriation issue": (
        'ledger appropriation issue P2024-017 120万 --date 2024-03-12 --doc "榕财企[2024]17号"'
    ),
    "appropriation reduce": "ledger appropriation reduce P2024-017 5万 --date 2024-11-20 --doc 榕财企[2024]90号 --reason 调整",
    "allocation add": "ledger allocation add P2024-017 80万 --payee 福州某某科技有限公司 --date 2024-03-20",
    "payment request": "ledger payment request P2024-017 50万 --payee 福州某某公司 --economic 31299 --date 2024-04-02",
    "payment hold": "ledger payment hold 153001/P2024-017/1 --date 2024-04-10 --reason 待区财政统筹拨付",
    "payment settle": "ledger payment settle 153001/P2024-017/1 --date 2024-05-06 --voucher PZ-0506-01",
    "payment cancel": "ledger payment cancel 153001/P2024-017/1 --date 2024-05-07 --reason 收款人信息有误",
    "payment refund": "ledger payment refund 153001/P2024-017/2 2,000 --date 2024-05-20 --reason 多拨退回",
    "income add": "ledger income add 153001 3.2万 --source 事业收入 --function 2150805 --date 2024-06-30",
    "score set": "ledger score set P2024-017 2024 9.5 --reason 绩效评价组认定",
    "target set": "ledger target set P2024-017 2024 预算执行率 '>=' 95",
    "year close": "ledger year close 153001 2024 --withdraw P2024-017",
    "history": "ledger history 153001/P2024-017/1",
    "import": "ledger import 指标导出.xlsx --profile quota --unit 153001 --dry-run",
    "appropriation reverse": (
        'ledger appropriation reverse P1 --doc "榕财企[2024]17号" --date 2024-03-15 --reason 重复录入'
    ),
    "appropriation transfer": (
        "ledger appropriation transfer P1 P2 5万 --date 2024-06-01 --doc 区财调〔2024〕3号 --reason 调整"
    ),
    "allocation reduce": (
        "ledger allocation reduce P1 5万 --payee 某科技公司 --date 2024-04-01 --reason 收款人录错"
    ),
    "payment reverse": "ledger payment reverse 153001/P2024-017/3 --date 2024-05-20 --reason 重复录入",
    "payment correct": "ledger payment correct 153001/P2024-017/3 --amount 5万 --reason 金额录错",
    "project amend": "ledger project amend 153001/P9 --function 2150805 --reason 科目选错",
    "project close": "ledger project close 153001/P9 --reason 误登记",
    "year reopen": "ledger year reopen 153001 2024 --reason 漏记12月支付",
    "report execution": "ledger report execution 153001 2024 --format xlsx --output 执行情况.xlsx",
    "report backlog": "ledger report backlog 153001 --older-than 30",
    "report month": "ledger report month 153001 2024-05 --chart 2024-05.png",
    "report final-accounts": "ledger report final-accounts 153001 2024 --table 公开06",
    "report balances": "ledger report balances 153001 2024",
    "reconcile": "ledger reconcile 153001 2024 --published data/guloo-2024/published.json",
    "verify": "ledger verify",
    "export": "ledger export 备份-2024-12-31.jsonl",
    "restore": "ledger --db 新账簿.db restore 备份-2024-12-31.jsonl",
    "projections status": "ledger projections status",
    "projections rebuild": "ledger projections rebuild movements",
    "unit list": "ledger unit list --format xlsx --output 单位.xlsx",
    "project list": "ledger project list --unit 153001 --function 21508 --year 2024",
    "payment list": "ledger payment list --unit 153001 --status 待统筹 --from 2024-01-01 --to 2024-06-30",
    "appropriation list": "ledger appropriation list --unit 153001 --doc 榕财企（指）[2024]17号",
}


def attach(command: click.Command, path: str) -> None:
    """Put the example of ``path`` (``"payment request"``) at the end of the command's help."""
    example = EXAMPLES.get(path)
    if example and not command.epilog:
        command.epilog = f"\b\n示例：\n  {example}"
