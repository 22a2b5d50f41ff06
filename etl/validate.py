"""Row validation against a source contract, vectorised over all new rows of a source.

`validate(source, frame, today)` returns the typed good rows (staging columns, lineage
included) and, for every bad row, a reason in Chinese that a data clerk can act on. The
frame comes from `etl.reader` (strings, '' = empty) with lineage columns `file_name`,
`line_no` and `shape` (the reader's field-count verdict).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cockpit.metrics.contracts import FLAG_SPELLINGS, Column, Source, month_column
from etl.reader import SHAPE_LONG, SHAPE_SHORT, STR
from cockpit.metrics.units import UNIT_CODES

FLAGS = FLAG_SPELLINGS   # the contract's spellings, nothing more
SHOWN_CHARS = 40         # a value quoted in a reason is cut to this many characters
YEARS = (1900, 2100)     # a date outside these years is a typing error (and beyond pandas' range)
MAX_INT = 10 ** 12       # a count or amount beyond this is a typing error (and beyond float precision)
_DATE_RE = (r"^(?P<year>\d{4})[-/.年]?(?P<month>\d{1,2})[-/.月]?(?P<day>\d{1,2})日?"
            r"(?:[ T]+(?P<hour>\d{1,2})[:：](?P<minute>\d{1,2})(?:[:：](?P<second>\d{1,2}))?(?:\.\d+)?)?$")
_MONTH_RE = r"^(?P<year>\d{4})[-/.年]?(?P<month>\d{1,2})月?$"
DATE_HINT = "应为 2023-05-06、2023/5/6、2023年5月6日 或 20230506"
MONTH_HINT = "应为 2023-05、2023年5月 或 202305"


class Reasons:
    """Collects reasons per row; several problems of one row are joined with '；'."""

    def __init__(self, n: int):
        self.items: dict[int, list[str]] = {}
        self.bad = np.zeros(n, dtype=bool)

    def add(self, mask, message: str, values: pd.Series | None = None) -> None:
        """Flag rows; `{v}` in the message is replaced by the row's value from `values`."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        vals = None if values is None else np.asarray(values, dtype=object)
        for i in idx:
            text = message if vals is None else message.replace("{v}", shown(vals[i]))
            self.items.setdefault(int(i), []).append(text)
        self.bad[idx] = True

    def text(self, i: int) -> str:
        return "；".join(dict.fromkeys(self.items[i]))


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """Control characters spelled out (NUL → \\x00): PostgreSQL cannot store NUL, and a clerk
    cannot see any of them."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown(value) -> str:
    """A cell's value as quoted in a reason: printable and at most SHOWN_CHARS characters."""
    text = printable(str(value))
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


# The spellings case systems export; the regular expression below catches any other date.
_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
            "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d %H:%M")


def parse_datetimes(s: pd.Series) -> pd.Series:
    """Parse the date spellings Chinese case systems export; unparseable → NaT.

    The formats are tried in the order of how often they parse a sample of the column (each
    file uses one spelling, a column of many files a few), each a vectorised Arrow strptime
    (which also takes unpadded months and days, 2023/5/6); a regular expression takes
    whatever is left."""
    arr = pa.array(s, from_pandas=True)
    filled = pc.not_equal(arr, "")
    todo = int(pc.sum(filled).as_py() or 0)
    out = pa.nulls(len(arr), pa.timestamp("s"))
    if todo:
        sample = arr.filter(filled)[:: max(1, todo // 3000)]
        hits = {fmt: len(sample) - pc.strptime(sample, format=fmt, unit="s", error_is_null=True).null_count
                for fmt in _FORMATS}
        for fmt in sorted((f for f in _FORMATS if hits[f]), key=lambda f: -hits[f]):
            out = pc.coalesce(out, pc.strptime(arr, format=fmt, unit="s", error_is_null=True))
            if len(out) - out.null_count == todo:
                break
    # years outside YEARS are typing errors, and beyond pandas' nanosecond range (1677–2262)
    year = pc.year(out)
    out = pc.if_else(pc.and_(pc.greater_equal(year, YEARS[0]), pc.less_equal(year, YEARS[1])), out,
                     pa.scalar(None, out.type))
    out = _refuse_rolled_days(arr, out)
    result = pd.Series(out.to_pandas(), index=s.index).astype("datetime64[ns]")
    rest = (result.isna() & (s != "")).to_numpy()
    if rest.any():
        parts = s[rest].str.strip().str.extract(_DATE_RE)
        parts = parts.astype("float64").fillna({"hour": 0, "minute": 0, "second": 0})
        parts.loc[~parts["year"].between(*YEARS), "year"] = np.nan
        result[rest] = pd.to_datetime(parts[["year", "month", "day", "hour", "minute", "second"]],
                                      errors="coerce").to_numpy()
    return result


def _refuse_rolled_days(text: pa.Array, parsed: pa.Array) -> pa.Array:
    """Arrow rolls impossible days over (2024-02-30 → 2024-03-01): a parsed day of 1–3 may be
    such a roll-over, so those rows' year, month and day are read from their text (a regular
    expression in Arrow) and must be the parsed ones, or the date is refused. A text the
    expression does not read (no spelling the formats accept) keeps its parse."""
    maybe = pc.indices_nonzero(pc.fill_null(pc.less_equal(pc.day(parsed), 3), False))
    if not len(maybe):
        return parsed
    parts = pc.extract_regex(pc.utf8_trim_whitespace(text.take(maybe)), _DATE_RE)
    got = parsed.take(maybe)
    same = pc.and_(pc.and_(
        pc.equal(pc.cast(pc.struct_field(parts, "year"), pa.int64()), pc.year(got)),
        pc.equal(pc.cast(pc.struct_field(parts, "month"), pa.int64()), pc.month(got))),
        pc.equal(pc.cast(pc.struct_field(parts, "day"), pa.int64()), pc.day(got)))
    rolled = pc.invert(pc.fill_null(same, True))
    if not pc.any(rolled).as_py():
        return parsed
    refuse = np.zeros(len(parsed), dtype=bool)
    refuse[maybe.to_numpy()[rolled.to_numpy(zero_copy_only=False)]] = True
    return pc.if_else(pa.array(refuse), pa.scalar(None, parsed.type), parsed)


def parse_months(s: pd.Series) -> pd.Series:
    parts = s.str.strip().str.extract(_MONTH_RE).astype("float64")
    ok = parts["month"].between(1, 12) & parts["year"].between(1990, 2100)
    out = pd.Series(pd.NA, index=s.index, dtype="string")
    good = ok.fillna(False)
    out[good] = (parts.loc[good, "year"].astype(int).astype(str) + "-"
                 + parts.loc[good, "month"].astype(int).astype(str).str.zfill(2))
    return out


def month_strings(values: pd.Series) -> pd.Series:
    """'YYYY-MM' of each datetime (missing stays missing), vectorised in Arrow."""
    days = pa.array(values, from_pandas=True).cast(pa.date32()).cast(pa.large_string())
    return pd.Series(pc.utf8_slice_codeunits(days, 0, 7).to_pandas(types_mapper={pa.large_string(): STR}.get),
                     index=values.index)


def previous_months(months: pd.Series) -> pd.Series:
    """'YYYY-MM' → the calendar month before it ('2024-01' → '2023-12'); missing stays missing."""
    ok = months.notna()
    out = pd.Series(None, index=months.index, dtype=object)
    if ok.any():
        m = months[ok].astype(str)
        ordinal = m.str[:4].astype(int) * 12 + m.str[5:7].astype(int) - 2
        out[ok] = ((ordinal // 12).astype(str) + "-" + (ordinal % 12 + 1).astype(str).str.zfill(2)).to_numpy()
    return out


def _clean(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.strip()


def validate(source: Source, frame: pd.DataFrame, today: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(good rows as staging columns, rejects with file_name/line_no/reason/raw)."""
    n = len(frame)
    reasons = Reasons(n)
    shape = frame["shape"].to_numpy()
    reasons.add(shape == SHAPE_SHORT, "该行字段不全（少于表头列数），文件可能在此处被截断或该行缺少分隔符")
    reasons.add(shape == SHAPE_LONG, "该行字段多于表头列数，可能有未加引号的逗号")
    out: dict[str, pd.Series] = {}
    end_of_today = pd.Timestamp(today) + pd.Timedelta(days=1)
    for col in source.columns:
        s = _clean(frame[col.name])
        _limits(col, s, reasons)
        empty = (s == "").to_numpy()
        if col.required:
            reasons.add(empty, f"必填项「{col.header}」为空")
        out[col.name] = _typed(col, s, empty, reasons, end_of_today)
    for date_col in source.months:
        out[month_column(date_col)] = month_strings(out[date_col])
    good_frame = pd.DataFrame(out)
    _cross_checks(source, good_frame, reasons)
    if "review_days" in dict(source.derived):
        days = (good_frame["concluded_date"] - good_frame["received_date"]).dt.days
        good_frame["review_days"] = days.astype("Int64")
    if "prev_month" in dict(source.derived):
        good_frame["prev_month"] = previous_months(good_frame["stat_month"])
    if "end_month" in dict(source.derived):
        good_frame["end_month"] = month_strings(good_frame["end_date"])
    if "handle_minutes" in dict(source.derived):
        # minutes with the seconds as a fraction: 24 h 0 min 30 s is 1440.5, past a 24-hour deadline
        seconds = (good_frame["handled_at"] - good_frame["occurred_at"]).dt.total_seconds()
        good_frame["handle_minutes"] = seconds / 60
    keys = [frame[k].fillna("").astype(str).str.strip() for k in source.key]
    rec_key = keys[0].str.cat(keys[1:], sep="\x1f") if len(keys) > 1 else keys[0]
    _duplicates(source, frame, rec_key, reasons)
    if source.key_column == "rec_key":
        good_frame["rec_key"] = rec_key.to_numpy()
    # the lineage as it came (the file name is categorical from the bulk parse: a million Python
    # strings for it would cost more than the rest of the validation)
    for name in ("file_name", "line_no", "raw"):
        good_frame[name] = frame[name].array
    bad = reasons.bad
    rejects = pd.DataFrame({
        "file_name": np.asarray(frame["file_name"].array[bad], dtype=object),
        "line_no": frame["line_no"].to_numpy()[bad],
        "reason": [reasons.text(i) for i in np.flatnonzero(bad)],
        "raw": np.asarray(frame["raw"].array[bad], dtype=object),
    })
    return (good_frame[~bad].reset_index(drop=True) if bad.any() else good_frame), rejects


def _chunks(s: pd.Series) -> list[pa.Array]:
    arr = pa.array(s, from_pandas=True, type=pa.large_string())
    return arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]


def _may_hold(chunk: pa.Array, chars: str) -> bool:
    """Whether any of these (ASCII) characters may occur in the chunk: a scan of its bytes, much
    cheaper than a regular expression per row (which runs only when this says yes)."""
    if any(ord(c) > 127 for c in chars):
        return True
    data = chunk.buffers()[2]
    if data is None:
        return False
    data = np.frombuffer(data, dtype=np.uint8)
    if not data.size:
        return False
    codes = set(chars.encode("ascii"))
    below = [c for c in codes if c < 0x20]
    if below and data.min() <= max(below):   # one reduction covers all the C0 controls
        return True
    return any(bool((data == c).any()) for c in codes if c >= 0x20)


def _longest_bytes(chunk: pa.Array) -> int:
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset:chunk.offset + len(chunk) + 1]
    return int(np.diff(offsets).max()) if len(chunk) else 0


def _limits(col: Column, s: pd.Series, reasons: Reasons) -> None:
    """The contract's limits of every cell: at most `max_length` characters, none of `forbidden`.
    Most columns pass both at a glance (no forbidden byte at all, no cell longer in bytes than
    the limit in characters); only the others are checked row by row."""
    chunks = _chunks(s)
    if col.forbidden and any(_may_hold(c, col.forbidden) for c in chunks):
        bad = s.str.contains(f"[{re.escape(col.forbidden)}]", regex=True).fillna(False).to_numpy()
        reasons.add(bad, f"「{col.header}」含有不可见的控制字符（如 NUL 空字符），可能是文件损坏或从其他系统复制时带入；"
                         "请删除这些字符后重新报送")
    if max((_longest_bytes(c) for c in chunks), default=0) <= col.max_length:
        return
    lengths = s.str.len().fillna(0).to_numpy()
    long = lengths > col.max_length
    if long.any():
        counts = pd.Series(lengths, index=s.index).astype(int).astype(str)
        reasons.add(long, f"「{col.header}」过长（{{v}} 个字符，最多 {col.max_length} 个字符），"
                          "可能是串列或粘贴了多余内容，请核对", counts)


def _typed(col: Column, s: pd.Series, empty: np.ndarray, reasons: Reasons, end_of_today) -> pd.Series:
    head = f"「{col.header}」"
    if col.type in ("text",):
        return s.where(~empty, None)
    if col.type == "unit":
        unknown = ~empty & ~s.isin(UNIT_CODES).to_numpy()
        reasons.add(unknown, "未知单位编码「{v}」：不是运城市两级检察院的14个单位编码之一", s)
        return s.where(~empty, None)
    if col.type == "enum":
        exact = s.isin(col.allowed).to_numpy()  # the usual case, vectorised
        value = s.where(exact, None)
        odd = ~exact & ~empty
        if odd.any():  # full-width forms and the like: normalise, then look up
            allowed = {unicodedata.normalize("NFKC", a): a for a in col.allowed}
            value[odd] = s[odd].map(lambda v: allowed.get(unicodedata.normalize("NFKC", v)))
        bad = ~empty & value.isna().to_numpy()
        reasons.add(bad, f"{head}的值「{{v}}」不在允许范围（{'、'.join(col.allowed)}）", s)
        return value.where(~empty, None)
    if col.type == "flag":
        yes, no = (s == "是").to_numpy(), (s == "否").to_numpy()
        value = pd.Series(np.where(yes, 1, np.where(no, 0, -1)), index=s.index)
        odd = ~yes & ~no & ~empty
        if odd.any():
            value[odd] = s[odd].map(FLAGS).fillna(-1).astype(int)
        value = value.where(value >= 0, None)
        bad = ~empty & value.isna().to_numpy()
        reasons.add(bad, f"{head}的值「{{v}}」应为“是”或“否”", s)
        return value.astype("Int64")
    if col.type == "int":
        cleaned = s.str.replace(",", "", regex=False).str.replace("，", "", regex=False)
        num = pd.to_numeric(cleaned.where(~empty, None), errors="coerce")
        notnum = ~empty & num.isna().to_numpy()
        reasons.add(notnum, f"{head}的值「{{v}}」不是数字", s)
        frac = ~notnum & ~empty & (num.fillna(0) % 1 != 0).to_numpy()
        reasons.add(frac, f"{head}的值「{{v}}」应为整数", s)
        neg = (num < 0).fillna(False).to_numpy()
        reasons.add(neg, f"{head}为负数（{{v}}），数量和金额不能为负", s)
        top = col.max_value if col.max_value is not None else MAX_INT
        over = (num > top).fillna(False).to_numpy()
        reasons.add(over, f"{head}的值「{{v}}」超出范围（0—{top}）", s)
        return num.where(~over & ~frac, None).round().astype("Int64")
    if col.type in ("date", "datetime"):
        value = parse_datetimes(s)
        bad = ~empty & value.isna().to_numpy()
        reasons.add(bad, f"{head}的日期「{{v}}」无法识别（{DATE_HINT}，年份在 {YEARS[0]}—{YEARS[1]} 之间）", s)
        if not col.future_ok:
            future = (value >= end_of_today).fillna(False).to_numpy()
            today = (end_of_today - pd.Timedelta(days=1)).date()
            reasons.add(future, f"{head}的日期「{{v}}」晚于今天（{today}），不可能已经发生，请核对", s)
        if col.type == "date":
            value = value.dt.normalize()
        return value
    if col.type == "month":
        value = parse_months(s)
        bad = ~empty & value.isna().to_numpy()
        reasons.add(bad, f"{head}的月份「{{v}}」无法识别（{MONTH_HINT}）", s)
        future = (value > end_of_today.strftime("%Y-%m")).fillna(False).to_numpy()
        reasons.add(future, f"{head}的月份「{{v}}」晚于本月", s)
        return value.astype(object).where(value.notna(), None)
    raise ValueError(f"unknown column type {col.type}")


# the dates of a clue's later stages, none of which may precede its 发现日期
CLUE_STAGE_DATES = ("registered_date", "routed_date", "verified_date", "case_date", "doc_date", "reply_date",
                    "feedback_date", "pressed_date")


def _cross_checks(source: Source, f: pd.DataFrame, reasons: Reasons) -> None:
    if "concluded_after_received" in source.checks:
        reasons.add((f["concluded_date"] < f["received_date"]).fillna(False).to_numpy(),
                    "审结日期早于受理日期")
    if "event_fields" in source.checks:
        kind = f["kind"]
        reasons.add(((kind == "预警") & f["warning_type"].isna()).fillna(False).to_numpy(),
                    "事件类型为“预警”时必须填写「预警类型」")
        reasons.add((kind.isin(["打卡", "传唤"]) & f["result"].isna()).fillna(False).to_numpy(),
                    "事件类型为“打卡”或“传唤”时必须填写「结果」")
    if "big_data_clue" in source.checks:
        reasons.add(((f["big_data"] == 1) & f["clue_no"].isna()).fillna(False).to_numpy(),
                    "是否大数据线索为“是”时必须填写「线索编号」")
    if "clue_path" in source.checks:
        for col in CLUE_STAGE_DATES:
            reasons.add((f[col] < f["found_date"]).fillna(False).to_numpy(),
                        f"{source.column(col).header}早于发现日期")
    if "handled_after_occurred" in source.checks:
        reasons.add((f["handled_at"] < f["occurred_at"]).fillna(False).to_numpy(), "处置时间早于发生时间")


def _duplicates(source: Source, frame: pd.DataFrame, rec_key: pd.Series, reasons: Reasons) -> None:
    """A row is a duplicate when an earlier row of the load with the same key is loaded. Only
    rows that pass every other check count: a quarantined row is not loaded, so it cannot make a
    later one a duplicate (loading the files in two steps keeps that later row too). A row that
    is quarantined anyway is not called a duplicate either (in two steps it would not be)."""
    ok = ~reasons.bad
    dup = np.zeros(len(frame), dtype=bool)
    dup[ok] = rec_key[ok].duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first = pd.DataFrame({"k": rec_key, "f": frame["file_name"], "l": frame["line_no"]})[ok].drop_duplicates("k")
    where = first.set_index("k")
    keys = rec_key[dup]
    files = where.loc[keys, "f"].to_numpy()
    lines = where.loc[keys, "l"].to_numpy()
    msgs = np.empty(len(frame), dtype=object)
    msgs[np.flatnonzero(dup)] = [_place(f, l) for f, l in zip(files, lines)]
    reasons.add(dup, f"重复记录：{_key_names(source)}与{{v}}相同", msgs)


def _key_names(source: Source) -> str:
    return "、".join(source.column(k).header for k in source.key)


def _place(file_name, line_no) -> str:
    return f"文件「{file_name}」第{line_no}行"


def duplicate_reasons(source: Source, files, lines, this_load) -> list[str]:
    """The reasons of duplicate rows whose key's first row is line `lines[i]` of `files[i]`,
    a row of this load (worded as within a batch, above) or of an earlier load."""
    names = _key_names(source)
    return [f"重复记录：{names}与{shown(_place(f, l))}相同" if now else f"重复记录：{names}已由{_place(f, l)}导入"
            for f, l, now in zip(files, lines, this_load)]
