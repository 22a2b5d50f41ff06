"""Figures as plain plotly dicts (no validation pass: fast enough to build in every callback).

Every builder takes numbers from the metric layer (frames of `MetricStore.series/by_unit/...`)
and returns `{"data": [...], "layout": {...}}`. Links: a point whose `customdata` is an in-app
path is clickable (cockpit.components.navigation).

Every label a builder is given (series names, categories, unit, model and landmark names) goes
through `plot_text` (formatting.plot_text): Plotly reads its text fields as pseudo-HTML, and a
name from the data must stay text (`<a href>` in a model's name must not become a link).
"""
from __future__ import annotations

import math

from cockpit.components import formatting as F
from cockpit.components.formatting import plot_text
from cockpit.components.states import FONT, empty_figure, status_figure
from cockpit.metrics.annotations import KIND_SHORT, applicable, platform_launches
from cockpit.metrics.catalog import Metric
from cockpit.metrics.periods import month_label, month_ordinal
from cockpit.metrics.query import NOT_LIVE, OK

# Series colours: the city first, then distinct, print-safe colours.
PALETTE = ("#0b2a5b", "#1f77b4", "#e07b00", "#2a9d8f", "#9c27b0", "#c62828", "#6d4c41", "#00838f")
CITY_COLOR = "#0b2a5b"
MEDIAN_COLOR = "#8a94a3"
NATIONAL_COLOR = "#c8102e"
GRID = "#e8ecf2"
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "locale": "zh-CN"}


def base_layout(height: int = 300, **kw) -> dict:
    layout = {
        "height": height,
        "margin": {"l": 48, "r": 16, "t": 28, "b": 36},
        "font": {"family": FONT, "size": 12, "color": "#1c2533"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "separators": ".,",
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "font": {"size": 11}},
        "xaxis": {"gridcolor": GRID, "linecolor": "#c9d1dc", "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": GRID, "linecolor": "#c9d1dc", "zeroline": False, "automargin": True},
    }
    layout.update(kw)
    return layout


def _num(v):
    return None if F.is_missing(v) else float(v)


def axis_title(metric: Metric) -> str:
    return metric.unit


def _month_label_short(m: str) -> str:
    return f"{m[:4]}年{int(m[5:])}月"


def national_shapes(metric: Metric, months: list[str]) -> tuple[list, list, list]:
    """Dashed reference segments for each year with a national value (the latest one carried to
    the end of the chart, dotted), with labels. Returns (traces, shapes, annotations)."""
    if not metric.national or not months:
        return [], [], []
    traces = []
    first_y, last_y = int(months[0][:4]), int(months[-1][:4])
    refs = sorted(metric.national.items())
    latest_year, latest_val = refs[-1]
    shown = False
    for year, val in refs:
        if year < first_y or year > last_y:
            continue
        xs = [m for m in months if int(m[:4]) == year]
        traces.append({"type": "scatter", "mode": "lines", "x": [xs[0], xs[-1]], "y": [val, val],
                       "line": {"color": NATIONAL_COLOR, "dash": "dash", "width": 1.5},
                       "name": "全国参考值", "legendgroup": "national", "showlegend": not shown,
                       "hovertemplate": f"全国 {year}年：{F.number(val, metric.decimals)}{metric.unit}<extra></extra>"})
        shown = True
    if latest_year < last_y:
        xs = [m for m in months if int(m[:4]) > latest_year]
        if xs:
            traces.append({"type": "scatter", "mode": "lines", "x": [xs[0], xs[-1]], "y": [latest_val, latest_val],
                           "line": {"color": NATIONAL_COLOR, "dash": "dot", "width": 1},
                           "name": f"全国参考值（{latest_year}年）", "legendgroup": "national",
                           "showlegend": not shown,
                           "hovertemplate": f"全国最新公布值（{latest_year}年）："
                                            f"{F.number(latest_val, metric.decimals)}{metric.unit}<extra></extra>"})
    return traces, [], []


# the colours of the annotations' lines, by kind (cockpit.metrics.annotations.KINDS): not
# better/worse colours, just telling the kinds apart
NOTE_COLOR = {"launch": "#7a869a", "campaign": "#b5651d", "definition": "#6a1b9a", "data_gap": "#c62828",
              "other": "#37474f"}
NOTE_FONT = 14          # px: the labels of the annotations, legible on a wall and a phone
NOTE_LEVELS = 3         # labels of close months step down, so they do not overlap
NOTE_CHARS, NOTE_CHARS_COMPACT = 60, 20   # characters of NOTE_FONT a chart holds across, about


def _chart_months(fig: dict) -> list[str]:
    """The months of a trend figure: the x of its first trace (YYYY-MM strings)."""
    for trace in fig.get("data") or []:
        xs = trace.get("x")
        if xs:
            return [str(x) for x in xs]
    return []


def annotate(fig: dict, annotations, compact: bool = False) -> dict:
    """Draw the annotations (cockpit.metrics.annotations.Annotation) that fall in the figure's
    months: a one-month event as a vertical dotted line, a span as a light band, each with a
    short label at the top (the title; on a small multiple the kind's two characters) at
    14 px, and the kind, months, scope and detail as the label's hover text. Labels of close
    months step down so that they do not overlap; a label in the last quarter of the months
    reads leftwards from its line (it stays inside the chart). Every text goes through
    plot_text. A figure
    without months (an empty or status figure) is returned as it is. Used by every trend
    builder; the figure is changed in place and returned."""
    months = _chart_months(fig)
    if not months or not annotations:
        return fig
    first, last = months[0], months[-1]
    lo, hi = month_ordinal(first), month_ordinal(last)
    # a label's width in months, roughly: a chart holds ~60 characters of 14 px across (~20 on a
    # small multiple); labels whose extents meet step down a level
    per_char = (hi - lo + 1) / (NOTE_CHARS_COMPACT if compact else NOTE_CHARS)
    layout = fig.setdefault("layout", {})
    shapes = layout.setdefault("shapes", [])
    notes = layout.setdefault("annotations", [])
    placed: list[tuple[float, float, int]] = []   # (from, to, level) of the labels drawn, in months
    for a in annotations:
        start, end = max(a.month, first), min(a.last_month, last)
        if start > end:
            continue
        color = NOTE_COLOR.get(a.kind, NOTE_COLOR["other"])
        meta = f"note:{a.kind}:{a.month}" + (f":{a.id}" if a.id is not None else "")
        if a.is_span:
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": start, "x1": end, "y0": 0, "y1": 1,
                           "fillcolor": color, "opacity": 0.08, "line": {"width": 0}, "layer": "below",
                           "name": meta})
        else:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": start, "x1": start, "y0": 0,
                           "y1": 1, "line": {"color": color, "width": 1.2, "dash": "dot"}, "name": meta})
        o = month_ordinal(start)
        text = KIND_SHORT.get(a.kind, a.title[:2]) if compact else a.label()
        leftwards = (o - lo) > 0.75 * (hi - lo)
        width = (len(text) + 1) * per_char
        extent = (o - width, o) if leftwards else (o, o + width)
        busy = {lvl for x0, x1, lvl in placed if x0 < extent[1] and extent[0] < x1}
        level = next((lvl for lvl in range(NOTE_LEVELS) if lvl not in busy), len(placed) % NOTE_LEVELS)
        placed.append((*extent, level))
        notes.append({"x": start, "y": 1 - 0.12 * level, "xref": "x", "yref": "paper", "text": plot_text(text),
                      "showarrow": False, "xanchor": "right" if leftwards else "left",
                      "yanchor": "top", "textangle": 0, "font": {"size": NOTE_FONT, "color": color},
                      "bgcolor": "rgba(255,255,255,0.75)",
                      "hovertext": plot_text(f"{a.label()}\n{a.hover()}").replace("\n", "<br>"),
                      "name": meta})
    return fig


def not_live_shape(metric: Metric, months: list[str]) -> tuple[list, list]:
    """Grey band over the months before the metric's launch."""
    if not months or month_ordinal(metric.launch) <= month_ordinal(months[0]):
        return [], []
    end = metric.launch if month_ordinal(metric.launch) <= month_ordinal(months[-1]) else months[-1]
    return ([{"type": "rect", "xref": "x", "yref": "paper", "x0": months[0], "x1": end, "y0": 0, "y1": 1,
              "fillcolor": "#eef1f5", "line": {"width": 0}, "layer": "below"}],
            [{"x": months[0], "y": 0.5, "xref": "x", "yref": "paper", "text": "未上线", "showarrow": False,
              "xanchor": "left", "font": {"size": 12, "color": "#8a94a3"}}])


def trend_figure(metric: Metric, series: list[tuple[str, object]], height: int = 320, national: bool = True,
                 annotations=None, hrefs: list[str | None] | None = None, compact: bool = False) -> dict:
    """Monthly lines, one per (label, series frame). Missing months are gaps; months before the
    metric's launch are a grey "未上线" band; national references dashed red; the annotations
    (`annotate`) that apply — the page passes `data.annotations(metric, units, months)`; None
    draws the platform launches of the metric (they need no database)."""
    if not series:
        return empty_figure("无数据")
    months = [str(m) for m in series[0][1]["month"]]
    if not months:
        return empty_figure("无数据", "尚未加载任何数据")
    any_value = any(s == OK for _, df in series for s in df["status"])
    if not any_value:
        statuses = set(s for _, df in series for s in df["status"])
        return status_figure(NOT_LIVE if statuses == {NOT_LIVE} else "no_data",
                             month_label(metric.launch), height)
    traces = []
    for i, (label, df) in enumerate(series):
        label = plot_text(label)
        values = [_num(v) for v in df["value"]]
        flags = list(df["flag"]) if "flag" in df else [""] * len(values)
        marks = [f"（{F.flag_text(metric, f)}）" if f else "" for f in flags]
        immature = [f == "immature" and v is not None for f, v in zip(flags, values)]
        color = PALETTE[i % len(PALETTE)]
        hover = f"{label}：%{{y:,.{metric.decimals}f}}{metric.unit}%{{text}}<extra></extra>"
        mature = [None if imm else v for v, imm in zip(values, immature)]
        trace = {"type": "scatter", "mode": "lines+markers" if len(months) <= 36 else "lines",
                 "x": months, "y": mature, "name": label, "text": marks,
                 "line": {"color": color, "width": 2.4 if i == 0 else 1.8},
                 "marker": {"size": 4 if not compact else 3},
                 "hovertemplate": hover, "connectgaps": False}
        if hrefs and i < len(hrefs) and hrefs[i]:
            trace["customdata"] = [hrefs[i]] * len(months)
        traces.append(trace)
        if any(immature):
            # the months still being processed (核查中 / 办理中): dashed, hollow, marked in the
            # hover — joined to the last final month so the line does not read as a collapse
            first = immature.index(True)
            ys = [v if imm else None for v, imm in zip(values, immature)]
            if first > 0 and values[first - 1] is not None and not immature[first - 1]:
                ys[first - 1] = values[first - 1]
            imm_trace = {"type": "scatter", "mode": "lines+markers", "x": months, "y": ys,
                         "name": f"{label}（{metric.immature_label}）", "text": marks,
                         "line": {"color": color, "width": 1.6, "dash": "dash"},
                         "marker": {"size": 6 if not compact else 5, "symbol": "circle-open", "color": color},
                         "hovertemplate": hover, "connectgaps": False, "legendgroup": f"imm-{i}",
                         "showlegend": i == 0, "meta": "immature"}
            if hrefs and i < len(hrefs) and hrefs[i]:
                imm_trace["customdata"] = [hrefs[i]] * len(months)
            traces.append(imm_trace)
    shapes, notes = not_live_shape(metric, months)
    if national:
        nat, _, _ = national_shapes(metric, months)
        traces += nat
    if metric.target is not None:
        traces.append({"type": "scatter", "mode": "lines", "x": [months[0], months[-1]],
                       "y": [metric.target, metric.target], "name": "法定期限" if metric.unit == "天" else "目标值",
                       "line": {"color": "#2a9d8f", "dash": "dash", "width": 1},
                       "hovertemplate": f"目标值：{F.number(metric.target, metric.decimals)}{metric.unit}<extra></extra>"})
    layout = base_layout(height, hovermode="x unified", shapes=shapes, annotations=notes)
    layout["xaxis"].update({"type": "date", "tickformat": "%Y年%-m月",
                            "hoverformat": "%Y年%-m月", "dtick": "M6" if len(months) > 18 else "M3"})
    layout["yaxis"].update({"title": {"text": "" if metric.unit == "%" else axis_title(metric),
                                      "font": {"size": 11}},
                            "ticksuffix": "" if metric.unit != "%" else "%",
                            "rangemode": "tozero" if not metric.is_ratio else "normal"})
    if compact:
        layout["margin"] = {"l": 40, "r": 8, "t": 8, "b": 28}
        layout["showlegend"] = len(series) > 1
        layout["legend"] = {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 10}}
        layout["xaxis"]["dtick"] = "M12" if len(months) > 18 else "M6"
        layout["xaxis"]["tickformat"] = "%Y年" if len(months) > 18 else "%Y年%-m月"
        layout["xaxis"]["tickangle"] = 0
    if annotations is None:
        annotations = applicable(platform_launches(), metric.id, None, months)
    return annotate({"data": traces, "layout": layout}, annotations, compact=compact)


def ranking_figure(metric: Metric, frame, hrefs: dict[str, str], height: int = 420) -> dict:
    """The 13 counties as horizontal bars from zero, linked to their pages.

    Ranking off (the default, docs/decisions.md): a comparison, not a league table — the
    counties in a fixed order (by unit code), one neutral colour, with the city value (solid),
    the county median (dotted) and the county spread q1–q3 (a band) drawn as references for a
    rate. Ranking on: a comparable metric's counties best on top, rank numbers in the labels,
    coloured by the gap to the city. A count is never ranked and its axis never runs to the
    city total: no city line, each bar says its share of the city. A flagged value (样本少,
    核查中) is drawn hollow with its mark; a cell without a value says why (不适用, 无数据)."""
    rows = frame[(frame["tier"] == "county")]
    ok = rows[rows["status"] == OK]
    if ok.empty:
        statuses = set(rows["status"])
        return status_figure(NOT_LIVE if statuses == {NOT_LIVE} else "no_data", month_label(metric.launch), height)
    ranked = F.ranks_shown(metric)
    recs = rows.to_dict("records")
    if ranked:
        recs.sort(key=lambda r: (F.is_missing(r["rank"]), r["rank"] if not F.is_missing(r["rank"]) else 0,
                                 r["unit"]))
    else:
        recs.sort(key=lambda r: r["unit"])
    city = _num(recs[0]["city_value"]) if metric.is_ratio else None
    median = _num(recs[0]["county_median"]) if metric.is_ratio else None
    q1, q3 = (_num(recs[0]["county_q1"]), _num(recs[0]["county_q3"])) if metric.is_ratio else (None, None)
    labels, values, text, colors, lines, custom = [], [], [], [], [], []
    for r in recs:
        rank = F.shown_rank(metric, r["rank"])
        labels.append(plot_text(f"{rank}. {r['unit_label']}" if rank is not None else r["unit_label"]))
        ok_value = r["status"] == OK and not F.is_missing(r["value"])
        values.append(float(r["value"]) if ok_value else 0.0)
        t = F.value_text(metric, r["value"], r["status"], r["flag"])
        if ok_value and not metric.is_ratio and not F.is_missing(r["share_of_city"]):
            t += f"（{F.share_text(r['share_of_city'])}）"
        text.append(t)
        base = F.TONE_COLOR[F.gap_tone(metric, r["gap_to_city"])] if ranked else "#5b7ba6"
        flagged = bool(r["flag"])
        colors.append("rgba(255,255,255,0)" if flagged else base)
        lines.append("#8a94a3" if flagged else base)
        custom.append(hrefs.get(r["unit"]))
    trace = {"type": "bar", "orientation": "h", "x": values, "y": labels, "text": text, "textposition": "outside",
             "cliponaxis": False, "customdata": custom,
             "marker": {"color": colors, "line": {"color": lines, "width": 1.5}},
             "hovertemplate": "%{y}：%{text}<br>点击查看该院详情<extra></extra>", "name": plot_text(metric.name)}
    shapes, notes = [], []
    if q1 is not None and q3 is not None:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": q1, "x1": q3, "y0": 0, "y1": 1,
                       "fillcolor": "rgba(138,148,163,0.14)", "line": {"width": 0}, "layer": "below"})
    city_right = city is not None and median is not None and city >= median
    for val, name, color, dash_ in ((city, "全市", CITY_COLOR, "solid"), (median, "中位数", MEDIAN_COLOR, "dot")):
        if val is None:
            continue
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": val, "x1": val, "y0": 0, "y1": 1,
                       "line": {"color": color, "width": 1.5, "dash": dash_}})
        right = (name == "全市") == city_right
        notes.append({"x": val, "y": 1.0, "xref": "x", "yref": "paper", "yanchor": "bottom", "showarrow": False,
                      "text": f"{name} {F.fmt_value(metric, val)}", "font": {"size": 10, "color": color},
                      "xanchor": "left" if right else "right"})
    layout = base_layout(height, shapes=shapes, annotations=notes, showlegend=False, bargap=0.28)
    layout["margin"] = {"l": 90, "r": 56, "t": 24, "b": 28}
    top = max([v for v in values] + [v for v in (city, median, q3) if v is not None] + [0.0])
    layout["xaxis"].update({"ticksuffix": "%" if metric.unit == "%" else "", "rangemode": "tozero",
                            "range": [0, (top or 1.0) * 1.25]})
    layout["yaxis"].update({"automargin": True, "tickfont": {"size": 12}, "autorange": "reversed"})
    return {"data": [trace], "layout": layout}



def colorscale_for(metric: Metric) -> list:
    """Red → green in the metric's better direction when standings are shown (ranking on, a
    comparable metric); one neutral blue scale otherwise (policy metrics, counts, and every
    metric while ranking is off: a map is not a league table)."""
    if not F.ranks_shown(metric) or metric.direction == "policy":
        return [[0, "#eef3fb"], [1, "#1f5fae"]]
    scale = [[0, "#c62828"], [0.5, "#f6e7a6"], [1, "#1b7f3b"]]
    if not metric.better_when_higher:
        scale = [[0, "#1b7f3b"], [0.5, "#f6e7a6"], [1, "#c62828"]]
    return scale


# the county map's county names and landmark stars, in px (cockpit/components/county_map.py keeps
# the names clear of the stars)
MAP_NAME_FONT = 11
MAP_LANDMARK_SIZE = 9


def map_figure(metric: Metric | None, frame, geojson_url: str, hrefs: dict[str, str], landmarks=None,
               height: int = 420, county_points: dict[str, tuple[float, float]] | None = None) -> dict:
    """The 13 counties coloured by a metric (grey when a county has no value), landmarks as a
    marker overlay, county names at their label points. Clicking a county opens its page."""
    from cockpit.metrics import units as U
    codes = list(U.COUNTY_CODES)
    names = [plot_text(U.UNIT_BY_CODE[c].short) for c in codes]
    base = {"type": "choropleth", "geojson": geojson_url, "featureidkey": "properties.code",
            "locations": codes, "z": [0] * len(codes), "showscale": False,
            "colorscale": [[0, "#dfe4ec"], [1, "#dfe4ec"]], "marker": {"line": {"color": "#ffffff", "width": 1}},
            "customdata": [hrefs.get(c) for c in codes], "text": names,
            "hovertemplate": "%{text}<br>无数据<extra></extra>", "name": ""}
    traces = [base]
    if metric is not None and frame is not None:
        rows = {r.unit: r for r in frame.itertuples() if r.tier == "county"}
        z, text, custom, locs = [], [], [], []
        for c in codes:
            r = rows.get(c)
            if r is None or r.status != OK:
                continue
            locs.append(c)
            z.append(float(r.value))
            shown = F.shown_rank(metric, r.rank)
            rank = "" if shown is None else f"<br>排名：{shown}/{int(r.rank_of)}"
            text.append(f"{plot_text(U.UNIT_BY_CODE[c].short)}<br>{plot_text(metric.name)}："
                        f"{F.value_text(metric, r.value, r.status, r.flag)}{rank}")
            custom.append(hrefs.get(c))
        if locs:
            traces.append({"type": "choropleth", "geojson": geojson_url, "featureidkey": "properties.code",
                           "locations": locs, "z": z, "colorscale": colorscale_for(metric), "text": text,
                           "customdata": custom, "hovertemplate": "%{text}<br>点击查看该院详情<extra></extra>",
                           "marker": {"line": {"color": "#ffffff", "width": 1.2}},
                           "colorbar": {"thickness": 10, "len": 0.6, "x": 1.0, "title": {"text": metric.unit,
                                                                                          "side": "top"},
                                        "ticksuffix": "", "outlinewidth": 0},
                           "name": plot_text(metric.name)})
    # landmarks first, the county names last: plotly draws later traces on top, so a star never
    # covers a name (and county_map.name_points keeps the names off the stars anyway)
    if landmarks:
        traces.append({"type": "scattergeo", "mode": "markers", "lon": [x["lon"] for x in landmarks],
                       "lat": [x["lat"] for x in landmarks], "text": [plot_text(x["name"]) for x in landmarks],
                       "customdata": [hrefs.get(x["county_code"]) for x in landmarks],
                       "marker": {"symbol": "star", "size": MAP_LANDMARK_SIZE, "color": "#c8102e",
                                  "line": {"color": "#ffffff", "width": 0.8}},
                       "hovertemplate": "%{text}<extra>标志性地标</extra>", "name": "标志性地标",
                       "showlegend": True})
    if county_points:
        # a white halo keeps the dark names readable on the darkest counties
        traces.append({"type": "scattergeo", "mode": "text", "lon": [county_points[c][0] for c in codes],
                       "lat": [county_points[c][1] for c in codes], "text": names,
                       "textfont": {"size": MAP_NAME_FONT, "color": "#1c2533", "family": FONT,
                                    "shadow": "0 0 2px #ffffff, 0 0 3px #ffffff"},
                       "customdata": [hrefs.get(c) for c in codes], "hoverinfo": "skip", "showlegend": False,
                       "name": "县区"})
    layout = base_layout(height, showlegend=bool(landmarks), dragmode=False)
    layout["geo"] = {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"},
                     "bgcolor": "rgba(0,0,0,0)"}
    layout["margin"] = {"l": 0, "r": 0, "t": 0, "b": 0}
    layout["legend"] = {"orientation": "h", "x": 0.01, "y": 0.01, "bgcolor": "rgba(255,255,255,0.7)"}
    del layout["xaxis"], layout["yaxis"]
    return {"data": traces, "layout": layout}


def bars_figure(categories: list[str], series: list[tuple[str, list, str]], height: int = 300,
                horizontal: bool = False, stacked: bool = False, unit: str = "", decimals: int = 0,
                customdata: list | None = None, text: bool = True) -> dict:
    """Grouped/stacked bars: series = [(name, values, colour)]."""
    if not categories or all(all(F.is_missing(v) for v in vals) for _, vals, _ in series):
        return empty_figure("无数据", "所选期间和单位没有可统计的数据", height)
    traces = []
    categories = [plot_text(c) for c in categories]
    for name, vals, color in series:
        name = plot_text(name)
        vals = [_num(v) for v in vals]
        t = {"type": "bar", "name": name, "marker": {"color": color},
             "hovertemplate": f"%{{{'y' if horizontal else 'x'}}}<br>{name}：%{{{'x' if horizontal else 'y'}:,.{decimals}f}}{unit}<extra></extra>"}
        if horizontal:
            t.update(orientation="h", x=vals, y=categories)
        else:
            t.update(x=categories, y=vals)
        if text:
            t["text"] = [F.number(v, decimals) if v is not None else "" for v in vals]
            t["textposition"] = "inside" if stacked else "outside"
            t["cliponaxis"] = False
        if customdata:
            t["customdata"] = customdata
        traces.append(t)
    layout = base_layout(height, barmode="stack" if stacked else "group", bargap=0.25)
    if horizontal:
        layout["yaxis"].update({"autorange": "reversed", "automargin": True})
    layout["showlegend"] = len(series) > 1
    return {"data": traces, "layout": layout}


def radar_figure(axes: list[str], series: list[tuple[str, list]], height: int = 380) -> dict:
    """Standing on each indicator, 0–100 (100 = the best county, direction-aware)."""
    if not axes or not series:
        return empty_figure("无数据", "请选择两个以上单位", height)
    traces = []
    axes = [plot_text(a) for a in axes]
    for i, (label, values) in enumerate(series):
        label = plot_text(label)
        vals = [v if v is not None else 0 for v in values]
        traces.append({"type": "scatterpolar", "r": vals + vals[:1], "theta": axes + axes[:1], "name": label,
                       "fill": "toself", "opacity": 0.55 if i else 0.45,
                       "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
                       "hovertemplate": f"{label}<br>%{{theta}}：%{{r:.0f}}分<extra></extra>"})
    layout = base_layout(height, showlegend=True)
    layout["polar"] = {"radialaxis": {"range": [0, 100], "tickvals": [0, 50, 100], "ticksuffix": "",
                                      "gridcolor": GRID, "tickfont": {"size": 9}},
                       "angularaxis": {"tickfont": {"size": 11}, "gridcolor": GRID}, "bgcolor": "rgba(0,0,0,0)"}
    layout["margin"] = {"l": 60, "r": 60, "t": 40, "b": 30}
    del layout["xaxis"], layout["yaxis"]
    return {"data": traces, "layout": layout}


def standing_score(metric: Metric, value, county_values: list[float]) -> float | None:
    """0–100: where a value sits between the worst (0) and the best (100) county."""
    if F.is_missing(value) or not county_values:
        return None
    lo, hi = min(county_values), max(county_values)
    if math.isclose(lo, hi):
        return 50.0
    s = (float(value) - lo) / (hi - lo) * 100
    s = s if metric.better_when_higher else 100 - s
    return max(0.0, min(100.0, s))


RATE_EFFECT_COLOR = "#1f77b4"
MIX_EFFECT_COLOR = "#e0a040"
CONTRIBUTION_COLOR = "#5b7ba6"
DECOMPOSITION_FONT = 14


def contribution_figure(metric: Metric, frame, height: int | None = None) -> dict:
    """Why did it move: each unit's contribution to the group's change (a frame of
    `MetricStore.explain_change`, units in unit-code order, the totals row last), as horizontal
    bars from zero. A rate: its rate effect and mix effect stacked (two neutral colours that
    name the kind of effect, not better or worse), the contribution as a marker with its number.
    A count: one neutral bar per unit. No ranking, no order by size; text at 14 px."""
    rows = frame.iloc[:-1] if len(frame) else frame
    if rows.empty:
        return empty_figure("无数据", "没有可分解的变动", height or 300)
    labels = [plot_text(x) for x in rows["unit_label"]]
    contrib = [float(x) for x in rows["contribution"]]
    dec = max(1, metric.decimals) if metric.is_ratio else metric.decimals
    unit = "个百分点" if metric.unit == "%" else metric.unit
    texts = [F.signed(v, dec) for v in contrib]
    font = {"size": DECOMPOSITION_FONT}
    traces = []
    if metric.is_ratio:
        for col, name, color in (("rate_effect", "比率效应", RATE_EFFECT_COLOR), ("mix_effect", "结构效应", MIX_EFFECT_COLOR)):
            vals = [float(x) for x in rows[col]]
            traces.append({"type": "bar", "orientation": "h", "name": name, "x": vals, "y": labels,
                           "marker": {"color": color},
                           "customdata": [F.signed(v, dec) for v in vals],
                           "hovertemplate": f"%{{y}}<br>{name}：%{{customdata}}{unit}<extra></extra>"})
        traces.append({"type": "scatter", "mode": "markers+text", "name": "合计贡献", "x": contrib, "y": labels,
                       "text": texts, "textposition": ["middle right" if v >= 0 else "middle left" for v in contrib],
                       "textfont": font, "cliponaxis": False,
                       "marker": {"symbol": "diamond", "size": 10, "color": CITY_COLOR},
                       "hovertemplate": f"%{{y}}<br>贡献：%{{text}}{unit}<extra></extra>"})
    else:
        traces.append({"type": "bar", "orientation": "h", "name": "贡献", "x": contrib, "y": labels,
                       "text": texts, "textposition": "outside", "textfont": font, "cliponaxis": False,
                       "marker": {"color": CONTRIBUTION_COLOR},
                       "hovertemplate": f"%{{y}}<br>贡献：%{{text}}{unit}<extra></extra>"})
    height = height or 90 + 30 * len(rows)
    layout = base_layout(height, barmode="relative", bargap=0.3, showlegend=metric.is_ratio)
    layout["font"] = {**layout["font"], "size": DECOMPOSITION_FONT}
    layout["legend"]["font"] = {"size": DECOMPOSITION_FONT}
    layout["margin"] = {"l": 90, "r": 64, "t": 36, "b": 40}
    layout["hoverlabel"]["font"]["size"] = DECOMPOSITION_FONT
    extents = [abs(v) for v in contrib]
    if metric.is_ratio:   # stacked: a positive and a negative part reach out on either side
        extents += [abs(float(a)) + abs(float(b)) for a, b in zip(rows["rate_effect"], rows["mix_effect"])]
    span = max(extents) or 1.0
    layout["xaxis"].update({"zeroline": True, "zerolinecolor": "#8a94a3", "range": [-span * 1.35, span * 1.35],
                            "tickfont": font, "title": {"text": plot_text(f"贡献（{unit}）"), "font": font}})
    layout["yaxis"].update({"autorange": "reversed", "automargin": True, "tickfont": font})
    return {"data": traces, "layout": layout}
