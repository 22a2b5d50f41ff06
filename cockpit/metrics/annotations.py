"""Annotations (大事记): the events that explain a trend — a platform going live, a 专项行动,
a change of 口径, a gap in the data — drawn on every trend chart and listed in the pack.

Two sources, one list:

- **platform launches** (`platform_launches`), derived from `cockpit.metrics.platforms`: the
  launch month of each of the four platforms and of the model platform. Always there, with
  no row in the store ("from the start"); a launch applies to the indicators of its platform,
  and the launches of the assessment, non-custody and recording platforms (P01–P03) also to
  the case system's indicators, whose numbers those platforms changed.
- **stored events**, table `annotation` (revision 0006), recorded by an administrator on
  /admin/annotations (audited there): one month or a span of months, city-wide (`unit` None)
  or for one unit, for every indicator, one indicator (`metric_id`) or one catalog group
  (`metric_group`).

Which annotations apply to a chart (`applicable`, `load_annotations`):
- a city-wide one applies to every unit's chart; a unit's only to charts showing that unit;
- one without indicator or group applies to every indicator; one with an indicator only to it;
  one with a group only to that group's indicators;
- it lies in the chart's months when it overlaps them (a span partly inside is drawn clipped).

This module imports nothing of the ETL or the app.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import Engine, delete, inspect, insert, select, update

from cockpit.metrics import units as U
from cockpit.metrics.catalog import GROUP_LABEL, METRIC_BY_ID
from cockpit.metrics.periods import month_label
from cockpit.metrics.platforms import PLATFORMS
from cockpit.metrics.schema import annotation as annotation_table
from cockpit.metrics.engine import writing as _writing

LAUNCH, CAMPAIGN, DEFINITION, DATA_GAP, OTHER = "launch", "campaign", "definition", "data_gap", "other"
KINDS = (LAUNCH, CAMPAIGN, DEFINITION, DATA_GAP, OTHER)
KIND_LABEL = {LAUNCH: "平台上线", CAMPAIGN: "专项行动", DEFINITION: "口径变更", DATA_GAP: "数据缺失", OTHER: "其他"}
KIND_SHORT = {LAUNCH: "上线", CAMPAIGN: "专项", DEFINITION: "口径", DATA_GAP: "缺数", OTHER: "事件"}

TITLE_MAX = 40
DETAIL_MAX = 500

# the short titles of the launches on the charts, and the indicators' platforms each applies to
LAUNCH_TITLE = {"P01": "评估平台上线", "P02": "非羁押平台上线", "P03": "同录平台上线",
                "P04": "未检云平台上线", "models": "首个模型上线"}
LAUNCH_SCOPE = {"P01": ("P01", "case"), "P02": ("P02", "case"), "P03": ("P03", "case"),
                "P04": ("P04",), "models": ("models",)}

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class AnnotationError(ValueError):
    """An annotation that cannot be saved; the message is Chinese, for the administrator."""


@dataclass(frozen=True)
class Annotation:
    kind: str                          # one of KINDS
    title: str                         # Chinese, ≤ 40 characters
    month: str                         # YYYY-MM (a span's first month)
    end_month: str | None = None       # a span's last month; None = one month
    detail: str = ""
    unit: str | None = None            # a unit code; None = city-wide (every unit)
    metric_id: str | None = None       # None (and no group) = every indicator
    metric_group: str | None = None    # a catalog group (GROUP_LABEL key) instead of one indicator
    created_by: str | None = None
    created_at: datetime | None = None
    id: int | None = None              # None: not stored (a platform launch, derived)
    platforms: tuple[str, ...] = ()    # a launch: the platforms whose indicators it applies to

    @property
    def builtin(self) -> bool:
        """Derived from the code (a platform launch), not an administrator's row."""
        return self.id is None and bool(self.platforms)

    @property
    def last_month(self) -> str:
        return self.end_month or self.month

    @property
    def is_span(self) -> bool:
        return self.end_month is not None and self.end_month != self.month

    @property
    def kind_label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)

    @property
    def when(self) -> str:
        """2024年3月, or 2024年3月—2024年6月 for a span."""
        if self.is_span:
            return f"{month_label(self.month)}—{month_label(self.end_month)}"
        return month_label(self.month)

    @property
    def scope(self) -> str:
        """Where it applies, in Chinese: 全市 · 全部指标 / 盐湖区 · 不捕率 / 全市 · 审查逮捕类指标."""
        who = "全市" if self.unit is None else U.label(self.unit)
        if self.platforms:
            what = "、".join(p.name for p in PLATFORMS if p.id in self.platforms and p.id != "case")
            what = f"{what}{'及案件类' if 'case' in self.platforms else ''}指标"
        elif self.metric_id:
            m = METRIC_BY_ID.get(self.metric_id)
            what = m.name if m else self.metric_id
        elif self.metric_group:
            what = f"{GROUP_LABEL.get(self.metric_group, self.metric_group)}类指标"
        else:
            what = "全部指标"
        return f"{who} · {what}"

    def label(self, with_unit: bool = True) -> str:
        """The text drawn on a chart: the title, with the unit's short name for a unit's event."""
        if with_unit and self.unit is not None and self.unit in U.UNIT_BY_CODE:
            return f"{U.UNIT_BY_CODE[self.unit].short}：{self.title}"
        return self.title

    def hover(self) -> str:
        """The hover text: kind, when, where it applies, and the detail."""
        parts = [f"{self.kind_label} · {self.when}", self.scope]
        if self.detail:
            parts.append(self.detail)
        return "\n".join(parts)

    def applies_to_metric(self, metric_id: str | None) -> bool:
        if metric_id is None:
            return True
        if self.platforms:
            m = METRIC_BY_ID.get(metric_id)
            return m is not None and m.platform in self.platforms
        if self.metric_id:
            return self.metric_id == metric_id
        if self.metric_group:
            m = METRIC_BY_ID.get(metric_id)
            return m is not None and m.group == self.metric_group
        return True

    def applies_to_units(self, units: Iterable[str] | None) -> bool:
        if units is None or self.unit is None:
            return True
        return self.unit in set(units)

    def overlaps(self, start: str | None, end: str | None) -> bool:
        return (end is None or self.month <= end) and (start is None or self.last_month >= start)


def platform_launches() -> list[Annotation]:
    """The launches of the four platforms and of the model platform, from cockpit.metrics.platforms."""
    out = []
    for p in PLATFORMS:
        if p.id not in LAUNCH_SCOPE:
            continue
        detail = f"{p.name}于{month_label(p.launch)}上线，此前月份显示为“未上线”。"
        if p.validation:
            detail += f"{month_label(p.validation[0])}至{month_label(p.validation[1])}为试运行期。"
        out.append(Annotation(LAUNCH, LAUNCH_TITLE[p.id], p.launch, detail=detail, platforms=LAUNCH_SCOPE[p.id]))
    return out


def _units(unit) -> tuple[str, ...] | None:
    if unit is None:
        return None
    if isinstance(unit, str):
        unit = (unit,)
    return tuple(unit)


def _range(months) -> tuple[str | None, str | None]:
    if months is None:
        return None, None
    months = [str(m) for m in months]
    if not months:
        return None, None
    return min(months), max(months)


def applicable(annotations: Iterable[Annotation], metric_id: str | None = None, unit=None,
               months=None) -> list[Annotation]:
    """The annotations that apply to a chart of `metric_id` (None: any) showing `unit` (a unit
    code, U.CITY, or several; None: any) over `months` (the chart's months, or (first, last);
    None: all), in month order, the launches before the stored events of a month."""
    units = _units(unit)
    start, end = _range(months)
    out = [a for a in annotations
           if a.applies_to_metric(metric_id) and a.applies_to_units(units) and a.overlaps(start, end)]
    return sorted(out, key=lambda a: (a.month, not a.builtin, a.id or 0, a.title))


def _has_table(engine: Engine) -> bool:
    return inspect(engine).has_table(annotation_table.name)


def _row(r) -> Annotation:
    return Annotation(r.kind, r.title, r.month, r.end_month, r.detail or "", r.unit_code, r.metric_id,
                      r.metric_group, r.created_by, r.created_at, int(r.id))


def stored_annotations(engine: Engine | None) -> list[Annotation]:
    """Every stored event, by month then id. None without an engine or before revision 0006."""
    if engine is None or not _has_table(engine):
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(annotation_table).order_by(annotation_table.c.month,
                                                              annotation_table.c.id)).all()
    return [_row(r) for r in rows]


def load_annotations(engine: Engine | None, metric_id: str | None = None, unit=None,
                     months=None) -> list[Annotation]:
    """The platform launches and the stored events that apply (see `applicable`)."""
    return applicable(platform_launches() + stored_annotations(engine), metric_id, unit, months)


def _check_month(value, name: str) -> str:
    text = str(value or "").strip()
    m = _MONTH.match(text)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise AnnotationError(f"{name}格式应为“年-月”，如 2024-03。")
    return text


def validate(a: Annotation) -> Annotation:
    """The annotation cleaned (texts stripped, a one-month span made a month), or
    AnnotationError with a Chinese message."""
    if a.kind not in KINDS:
        raise AnnotationError("请选择事件类型。")
    title = (a.title or "").strip()
    if not title:
        raise AnnotationError("请填写标题。")
    if len(title) > TITLE_MAX:
        raise AnnotationError(f"标题不能超过{TITLE_MAX}个字。")
    if not _CJK.search(title):
        raise AnnotationError("标题须用中文填写。")
    month = _check_month(a.month, "月份")
    end = a.end_month
    if end is not None and str(end).strip() != "":
        end = _check_month(end, "结束月份")
        if end < month:
            raise AnnotationError("结束月份不能早于开始月份。")
        if end == month:
            end = None
    else:
        end = None
    detail = (a.detail or "").strip()
    if len(detail) > DETAIL_MAX:
        raise AnnotationError(f"说明不能超过{DETAIL_MAX}个字。")
    if a.unit is not None and a.unit not in U.UNIT_CODES:
        raise AnnotationError("单位无效，请从列表中选择。")
    if a.metric_id and a.metric_group:
        raise AnnotationError("指标和指标组只能选择其一。")
    if a.metric_id and a.metric_id not in METRIC_BY_ID:
        raise AnnotationError("指标无效，请从列表中选择。")
    if a.metric_group and a.metric_group not in GROUP_LABEL:
        raise AnnotationError("指标组无效，请从列表中选择。")
    return replace(a, title=title, month=month, end_month=end, detail=detail,
                   metric_id=a.metric_id or None, metric_group=a.metric_group or None, platforms=())


def save_annotation(engine: Engine, a: Annotation) -> Annotation:
    """Insert an event (a.id None) or replace the one with a.id; returns it as stored.
    Validates first (AnnotationError). The caller writes the audit log."""
    a = validate(a)
    if not _has_table(engine):
        raise AnnotationError("数据库尚未升级到含大事记的版本：请先运行一次数据导入（python -m etl）。")
    a = replace(a, created_at=a.created_at or datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0))
    values = {"month": a.month, "end_month": a.end_month, "kind": a.kind, "title": a.title,
              "detail": a.detail or None, "unit_code": a.unit, "metric_id": a.metric_id,
              "metric_group": a.metric_group, "created_by": (a.created_by or None) and a.created_by[:80],
              "created_at": a.created_at}
    with _writing(engine) as conn:
        if a.id is None:
            new_id = conn.execute(insert(annotation_table).values(**values)).inserted_primary_key[0]
            return replace(a, id=int(new_id))
        n = conn.execute(update(annotation_table).where(annotation_table.c.id == a.id).values(**values)).rowcount
        if not n:
            raise AnnotationError("该事件已被删除，请刷新后重试。")
    return a


def delete_annotation(engine: Engine, annotation_id: int) -> Annotation | None:
    """Remove one stored event; returns what was removed (None if there was none)."""
    if not _has_table(engine):
        return None
    with _writing(engine) as conn:
        row = conn.execute(select(annotation_table).where(annotation_table.c.id == int(annotation_id))).first()
        if row is None:
            return None
        conn.execute(delete(annotation_table).where(annotation_table.c.id == int(annotation_id)))
    return _row(row)
