// The ECharts build the cockpit serves (../echarts.min.js): the core, the canvas renderer and
// only the chart types and components the wall uses. `window.echarts` is what
// ../echarts_component.js draws with. tests/test_echarts_build.py checks that every series
// type and option component of the wall's charts is in this list (a part missing from the
// build is silently ignored by ECharts). After a change: `npm ci && npm run build` here.
import * as echarts from "echarts/core";
import {
  BarChart, EffectScatterChart, FunnelChart, GaugeChart, LineChart, MapChart, PieChart, ScatterChart,
} from "echarts/charts";
import {
  AriaComponent, GeoComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent,
  MarkPointComponent, TitleComponent, TooltipComponent, VisualMapComponent,
} from "echarts/components";
import { LabelLayout } from "echarts/features";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart, EffectScatterChart, FunnelChart, GaugeChart, LineChart, MapChart, PieChart, ScatterChart,
  AriaComponent, GeoComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent,
  MarkPointComponent, TitleComponent, TooltipComponent, VisualMapComponent,
  LabelLayout, CanvasRenderer,
]);

window.echarts = echarts;
