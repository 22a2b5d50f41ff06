"""The deadlines of a supervision clue's path and of the 检察建议 register, as data.

The rules live in `deadlines.toml` next to this module (PRACTICE §3: "declare every limit as
data so an office can set its province's numbers without code"). An office points the
environment variable `COCKPIT_DEADLINES` at its own copy to override the packaged file. The
file format is described at the top of the packaged file; `load_rules` checks it and names
the bad entry, in Chinese and English, in a `ValueError`.

Each list (`clue`, `suggestion`) is a sequence of stages in order. A stage is closed by the
date in its `date` column and opened by the date in its `start` column (or, with
`start = "previous"`, the date of the nearest earlier applicable stage that is done); its
deadline is `days` or `months` after the start, or the date held in a `due` column, or none.
`only_if` / `unless` make a stage apply to some records only. `cockpit.metrics.ledger` does
the arithmetic.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cockpit.metrics.contracts import SOURCE_BY_ID, month_column

ENV_VAR = "COCKPIT_DEADLINES"
PACKAGED = Path(__file__).with_name("deadlines.toml")
PREVIOUS = "previous"
LISTS = {"clue": "clue", "suggestion": "suggestion"}   # list name in the file -> contract source id

_KEYS = {"id", "label", "date", "start", "days", "months", "due", "placeholder", "basis", "only_if", "unless"}
_REQUIRED = ("id", "label", "date", "start")


@dataclass(frozen=True)
class Stage:
    id: str
    label: str                       # Chinese
    date: str                        # the column closing the stage
    start: str                       # the column opening it, or PREVIOUS
    days: int | None = None
    months: int | None = None
    due: str | None = None           # a column holding the due date itself
    placeholder: bool = False        # the number is not a published rule
    basis: str = ""                  # the rule cited (Chinese)
    only_if: tuple[tuple[str, tuple], ...] = ()   # (column, values): all must hold
    unless: tuple[tuple[str, tuple], ...] = ()    # (column, values): none may hold

    @property
    def has_deadline(self) -> bool:
        return self.days is not None or self.months is not None or self.due is not None

    @property
    def limit_text(self) -> str:
        """The limit in Chinese: 7日, 2个月, 按回复期限 (a due column), 不设期限."""
        if self.days is not None:
            text = "当日" if self.days == 0 else f"{self.days}日"
        elif self.months is not None:
            text = f"{self.months}个月"
        elif self.due is not None:
            header = _header(self.due)
            text = f"按{header}" if header else "按期限"
        else:
            return "不设期限"
        return text + ("（暂定）" if self.placeholder else "")


@dataclass(frozen=True)
class Rules:
    clue: tuple[Stage, ...]
    suggestion: tuple[Stage, ...]
    path: str                        # where they were read from

    def stages(self, kind: str) -> tuple[Stage, ...]:
        return getattr(self, kind)


def _header(column: str) -> str:
    for source in SOURCE_BY_ID.values():
        for c in source.columns:
            if c.name == column:
                return c.header
    return ""


def _columns(source_id: str) -> set[str]:
    source = SOURCE_BY_ID[source_id]
    return {c.name for c in source.columns} | {month_column(c) for c in source.months} | {
        name for name, _ in source.derived}


def _fail(path, where: str, zh: str, en: str) -> ValueError:
    return ValueError(f"期限规则文件 {path} {where}：{zh} / deadline rules {path}, {where}: {en}")


def _conditions(fail, value, key: str, columns: set[str]) -> tuple[tuple[str, tuple], ...]:
    if not isinstance(value, dict):
        raise fail(f"{key} 应为 {{列名 = [取值, …]}}", f"{key} must be a table {{column = [values]}}")
    out = []
    for col, values in value.items():
        if col not in columns:
            raise fail(f"{key} 中的列 {col!r} 不存在", f"{key} names an unknown column {col!r}")
        if isinstance(values, (str, int)) and not isinstance(values, bool):
            values = [values]
        if not isinstance(values, list) or not values or not all(
                isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
            raise fail(f"{key}.{col} 应为非空的取值列表（文字或整数）",
                       f"{key}.{col} must be a non-empty list of strings or integers")
        out.append((col, tuple(values)))
    return tuple(out)


def _stage(path, list_name: str, i: int, entry, columns: set[str]) -> Stage:
    where, where_en = f"[[{list_name}]] 第{i + 1}项", f"[[{list_name}]] #{i + 1}"
    if isinstance(entry, dict) and entry.get("id"):
        where += f"（id = {entry['id']!r}）"
        where_en += f" (id = {entry['id']!r})"

    def fail(zh, en):
        return ValueError(f"期限规则文件 {path} {where}：{zh} / deadline rules {path}, {where_en}: {en}")

    if not isinstance(entry, dict):
        raise fail("应为表", "must be a table")

    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise fail(f"未知的键 {', '.join(unknown)}", f"unknown key(s) {', '.join(unknown)}")
    for key in _REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(f"缺少 {key}（文字）", f"missing {key} (text)")
    for key in ("date", "due"):
        if key in entry and entry[key] not in columns:
            raise fail(f"{key} 列 {entry[key]!r} 不存在", f"{key} names an unknown column {entry[key]!r}")
    if entry["start"] != PREVIOUS and entry["start"] not in columns:
        raise fail(f"start 列 {entry['start']!r} 不存在（或应为 \"previous\"）",
                   f"start names an unknown column {entry['start']!r} (or use \"previous\")")
    limits = [k for k in ("days", "months", "due") if k in entry]
    if len(limits) > 1:
        raise fail(f"{' 与 '.join(limits)} 只能有一个", f"only one of {', '.join(limits)} may be given")
    for key in ("days", "months"):
        if key in entry and (not isinstance(entry[key], int) or isinstance(entry[key], bool) or entry[key] < 0):
            raise fail(f"{key} 应为非负整数", f"{key} must be a non-negative integer")
    if "placeholder" in entry and not isinstance(entry["placeholder"], bool):
        raise fail("placeholder 应为 true 或 false", "placeholder must be true or false")
    if "basis" in entry and not isinstance(entry["basis"], str):
        raise fail("basis 应为文字", "basis must be text")
    only_if = _conditions(fail, entry.get("only_if", {}), "only_if", columns)
    unless = _conditions(fail, entry.get("unless", {}), "unless", columns)
    return Stage(id=entry["id"], label=entry["label"], date=entry["date"], start=entry["start"],
                 days=entry.get("days"), months=entry.get("months"), due=entry.get("due"),
                 placeholder=entry.get("placeholder", False), basis=entry.get("basis", ""),
                 only_if=only_if, unless=unless)


def parse_rules(data: dict, path: str = "<rules>") -> Rules:
    """Rules from the parsed TOML document; ValueError naming the bad entry."""
    unknown = sorted(set(data) - set(LISTS))
    if unknown:
        raise _fail(path, "顶层", f"未知的键 {', '.join(unknown)}（应为 clue、suggestion）",
                    f"top level: unknown key(s) {', '.join(unknown)} (expected clue, suggestion)")
    lists = {}
    for list_name, source_id in LISTS.items():
        entries = data.get(list_name)
        if not isinstance(entries, list) or not entries:
            raise _fail(path, f"[[{list_name}]]", "至少需要一个阶段", f"[[{list_name}]] needs at least one stage")
        columns = _columns(source_id)
        stages = tuple(_stage(path, list_name, i, e, columns) for i, e in enumerate(entries))
        seen = set()
        for i, s in enumerate(stages):
            if s.id in seen:
                raise _fail(path, f"[[{list_name}]] 第{i + 1}项", f"id {s.id!r} 重复",
                            f"[[{list_name}]] #{i + 1}: duplicate id {s.id!r}")
            seen.add(s.id)
        if stages[0].start == PREVIOUS:
            raise _fail(path, f"[[{list_name}]] 第1项", "第一个阶段不能以 previous 开始",
                        f"[[{list_name}]] #1: the first stage cannot start at \"previous\"")
        if "closed" in seen:
            raise _fail(path, f"[[{list_name}]]", "id 不能为 closed（保留字）",
                        f"[[{list_name}]]: the id \"closed\" is reserved")
        lists[list_name] = stages
    return Rules(clue=lists["clue"], suggestion=lists["suggestion"], path=str(path))


_CACHE: dict[tuple, Rules] = {}


def rules_path(path: str | os.PathLike | None = None) -> Path:
    """The rules file in use: `path`, else $COCKPIT_DEADLINES, else the packaged file."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env) if env else PACKAGED


def load_rules(path: str | os.PathLike | None = None) -> Rules:
    """The deadline rules (cached by file and modification time)."""
    p = rules_path(path)
    try:
        stat = p.stat()
        raw = p.read_bytes()
    except OSError as e:
        raise ValueError(f"期限规则文件 {p} 无法读取：{e.strerror} / deadline rules {p} cannot be read: "
                         f"{e.strerror}") from None
    key = (str(p.resolve()), stat.st_mtime_ns, stat.st_size, hash(raw))
    if key not in _CACHE:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError(f"期限规则文件 {p} 不是 UTF-8 编码 / deadline rules {p} are not UTF-8") from None
        except tomllib.TOMLDecodeError as e:
            raise ValueError(f"期限规则文件 {p} 格式错误：{e} / deadline rules {p} are not valid TOML: {e}") from None
        _CACHE[key] = parse_rules(data, str(p))
    return _CACHE[key]
