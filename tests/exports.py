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


# ---- one hand-made row per source (override any cell by its Chinese header) -----------------
def headers(source_id: str) -> list[str]:
    return [c.header for c in SOURCE_BY_ID[source_id].columns]


def write_source(landing: Path, source_id: str, rows: list[dict], name: str | None = None) -> Path:
    """A CSV export of one source with exactly the contract's headers."""
    return write_csv(landing / (name or f"{source_id}.csv"), headers(source_id), rows)


def _row(defaults: dict, over: dict) -> dict:
    row = dict(defaults)
    row.update(over)
    return row


def prosecution_row(n: int, **over) -> dict:
    return _row({
        "部门受案号": f"运盐检刑诉受〔2024〕{n}号", "承办单位编码": "140802", "承办单位": "盐湖区人民检察院",
        "犯罪嫌疑人": f"李{n}", "公民身份号码": "", "涉嫌罪名": "盗窃罪",
        "受理日期": "2024-02-01", "审结日期": "2024-03-10", "审结情况": "提起公诉", "审结时强制措施": "取保候审",
        "是否认罪认罚": "是", "量刑建议": "确定刑", "法院是否采纳量刑建议": "", "判决日期": "", "判决结果": "",
    }, over)


def nc_person_row(person_no: str, stat_month: str, **over) -> dict:
    return _row({
        "统计月份": stat_month, "承办单位编码": "140802", "承办单位": "盐湖区人民检察院", "人员编号": person_no,
        "姓名": f"赵{person_no[-4:]}", "公民身份号码": "", "强制措施": "取保候审", "决定日期": "2023-12-05",
        "解除日期": "", "保证金(元)": "", "本月是否脱管": "否",
    }, over)


def nc_event_row(event_no: str, **over) -> dict:
    return _row({
        "事件编号": event_no, "承办单位编码": "140802", "人员编号": "FJY140802-2024-0001", "事件类型": "打卡",
        "预警类型": "", "发生时间": "2024-03-05 08:00:00", "结果": "已打卡", "处置时间": "", "处置结果": "",
    }, over)


def plea_row(n: int, **over) -> dict:
    return _row({
        "部门受案号": f"运盐检刑诉受〔2024〕{n}号", "承办单位编码": "140802", "承办单位": "盐湖区人民检察院",
        "犯罪嫌疑人": f"孙{n}", "具结日期": "2024-03-08", "是否同步录音录像": "是", "听取意见方式": "现场",
        "电子捺印文书回传": "是",
    }, over)


def registry_row(item_id: str, **over) -> dict:
    return _row({
        "编号": item_id, "名称": f"测试模型{item_id}", "类别": "法律监督模型", "业务领域": "刑事",
        "建设单位编码": "140800", "上线日期": "2024-03-15", "状态": "运行中",
    }, over)


def collection_row(model_id: str, provider: str, records: int, **over) -> dict:
    return _row({
        "统计月份": "2024-03", "模型编号": model_id, "建设单位编码": "140800", "数据来源单位": provider,
        "采集数据量(条)": str(records),
    }, over)


def clue_row(n: int, **over) -> dict:
    return _row({
        "线索编号": f"XS140800-2024-{n:04d}", "模型编号": "M01", "承办单位编码": "140800",
        "发现日期": "2024-03-12", "线索摘要": "", "核查状态": "核查中", "核查日期": "", "处理结果": "",
    }, over)


def suggestion_row(n: int, **over) -> dict:
    return _row({
        "文书编号": f"运检行建〔2024〕{n}号", "承办单位编码": "140800", "线索编号": "", "模型编号": "M01",
        "建议类别": "行政", "被建议单位": "运城市公安局", "发出日期": "2024-03-04", "回复期限": "2024-05-04",
        "回复日期": "", "是否采纳": "", "是否整改": "",
    }, over)


def sup_case_row(n: int, **over) -> dict:
    return _row({
        "案件编号": f"运盐检行监〔2024〕{n}号", "承办单位编码": "140802", "立案日期": "2024-03-04",
        "业务类别": "行政", "案件来源": "依程序移送", "是否大数据线索": "否", "线索编号": "", "模型编号": "",
    }, over)


def juvenile_row(n: int, **over) -> dict:
    return _row({
        "部门受案号": f"运盐检未检受〔2024〕{n}号", "承办单位编码": "140802", "承办单位": "盐湖区人民检察院",
        "犯罪嫌疑人": f"周{n}", "公民身份号码": "", "涉嫌罪名": "盗窃罪", "审结日期": "2024-03-20",
        "审结情况": "提起公诉", "是否开展社会调查": "是",
    }, over)
