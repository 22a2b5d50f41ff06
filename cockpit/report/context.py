"""What every part of the monthly pack reads (cockpit.report.content, .sentences): the store,
the month, the unit, and the metric layer's answers for the month, each asked once per pack."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from cockpit.metrics import alerts as A
from cockpit.metrics import ledger as L
from cockpit.metrics import units as U
from cockpit.metrics.annotations import platform_launches, stored_annotations
from cockpit.metrics.periods import Period, add_months, data_date
from cockpit.metrics.query import MetricStore

TREND_MONTHS = 24


@dataclass
class Context:
    """What every section reads: the store and the month, the unit (None = the city pack) and
    the by_unit frames of every metric for the month (one computation, shared)."""
    store: MetricStore
    engine: Engine | None
    month: str
    unit: str | None
    generated_at: dt.datetime
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    _annotations: list | None = None
    _clue_paths: pd.DataFrame | None = None
    _alerts: list | None = None

    @property
    def period(self) -> Period:
        return Period.month(self.month)

    @property
    def who(self) -> str:
        """The unit the pack is about: a unit code or U.CITY."""
        return self.unit or U.CITY

    @property
    def who_label(self) -> str:
        return "全市" if self.unit is None else U.UNIT_BY_CODE[self.unit].short

    @property
    def as_of(self) -> dt.date:
        """The date the data reaches (数据截至): the data month's last day, at most the day the
        pack is made."""
        return data_date(self.store.data_month, self.generated_at.date())

    def row(self, metric_id: str, unit: str) -> pd.Series:
        """A metric's by_unit row of one unit (or group) for the month."""
        frame = self.frames.get(metric_id)
        if frame is None:
            frame = self.frames[metric_id] = self.store.by_unit(metric_id, self.period).set_index("unit", drop=False)
        return frame.loc[unit]

    def annotations(self) -> list:
        if self._annotations is None:
            self._annotations = platform_launches() + stored_annotations(self.engine)
        return self._annotations

    def alerts(self) -> list:
        """The month's alerts of the unit (the city pack: 全市 and the 14 units) under the stored
        thresholds (alerts.evaluate)."""
        if self._alerts is None:
            thresholds = A.load_thresholds(self.engine) if self.engine is not None else []
            units = A.ALL_UNITS if self.unit is None else (self.unit,)
            self._alerts = A.evaluate(self.store, self.month, thresholds, units=units)
        return self._alerts

    def trend_start(self) -> str:
        return add_months(self.month, 1 - TREND_MONTHS)

    def clue_paths(self) -> pd.DataFrame | None:
        """Every clue's path as of the data date (counts only: no summaries kept)."""
        if self.engine is None:
            return None
        if self._clue_paths is None:
            frame = L.load_clues(self.engine, [U.CITY])
            frame = frame.drop(columns=[c for c in ("summary", "record_keys") if c in frame.columns])
            self._clue_paths = L.clue_path(frame, self.as_of)
        return self._clue_paths
