"""Hand-made export files for ETL tests: valid rows per source, written in any encoding."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import xlsxwriter

from cockpit.metrics.contracts import SOURCE_BY_ID

ARREST_HEADERS = [c.header for c in SOURCE_BY_ID["arrest"].columns]


def arrest_row(n: int, **over) -> dict:
    row = {
        "部门受案号": f"运盐检捕受〔2024〕{n}号", "承办单位编码": "140802", "承办单位": "盐湖区人民检察院",
        "犯罪嫌疑人": f"王{n}", "公民身份号码": f"14080219900101{n:04d}", "涉嫌罪名": "盗窃罪",
        "受理日期": "2024-03-01", "审结日期": "2024-03-06", "审查结论": "批准逮捕" if n % 2 else "不批准逮捕",
        "不捕理由": "" if n % 2 else "无社会危险性", "社会危险性评估分值": str(40 + n % 50),
        "评估等级": "高" if n % 2 else "低", "触发指标": "A01;B03",
    }
    row.update(over)
    return row


def csv_bytes(headers: list[str], rows: list[dict], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headers)
    for r in rows:
        w.writerow([r.get(h, "") for h in headers])
    return buf.getvalue().encode(encoding)


def write_csv(path: Path, headers: list[str], rows: list[dict], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(headers, rows, encoding))
    return path


def write_xlsx(path: Path, headers: list[str], rows: list[dict], title: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    r0 = 0
    if title:
        ws.write(0, 0, title)
        r0 = 1
    ws.write_row(r0, 0, headers)
    for i, r in enumerate(rows, start=r0 + 1):
        ws.write_row(i, 0, [r.get(h, "") for h in headers])
    wb.close()
    return path
