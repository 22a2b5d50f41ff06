/* The cockpit's ECharts component for Dash: `cockpit.components.echarts.ECharts`.
 *
 * Plain JavaScript on the React that Dash provides (window.React) and the ECharts build next to
 * this file (window.echarts); no build step. One chart instance per component, made when the
 * component mounts and disposed when it unmounts. What it draws is set on that instance
 * (`echarts.getInstanceByDom(element).setOption(…)`): the wall does so from assets/screen.js,
 * scaling each option to the canvas, so the options do not pass through Dash's state.
 *
 * - `maps`: {name: GeoJSON} registered with ECharts once per name and object;
 * - `click_data`: set on a click (the clicked item's fields, plus `n_clicks` and a timestamp
 *   so that clicking the same item twice is still a change);
 * - the chart follows its element's size (ResizeObserver).
 *
 * Nothing is evaluated from strings (no `new Function`): the pages run under a CSP without
 * 'unsafe-eval'.
 */
(function (React, echarts) {
  "use strict";
  var h = React.createElement;
  var registered = {};

  function registerMaps(maps) {
    if (!maps) { return; }
    Object.keys(maps).forEach(function (name) {
      if (maps[name] && registered[name] !== maps[name]) {
        echarts.registerMap(name, maps[name]);
        registered[name] = maps[name];
      }
    });
  }

  var CLICK_FIELDS = ["componentType", "seriesType", "seriesIndex", "seriesName", "name", "dataIndex",
                      "data", "dataType", "value", "color"];

  function ECharts(props) {
    var el = React.useRef(null);
    var clicks = React.useRef(0);
    var setProps = React.useRef(props.setProps);
    setProps.current = props.setProps;

    React.useEffect(function () {
      var node = el.current;
      var c = echarts.init(node, null, { renderer: "canvas" });
      c.on("click", function (e) {
        var data = {};
        CLICK_FIELDS.forEach(function (k) { if (e[k] !== undefined) { data[k] = e[k]; } });
        clicks.current += 1;
        data.n_clicks = clicks.current;
        data.core_timestamp = Date.now();
        if (setProps.current) { setProps.current({ click_data: data, n_clicks: clicks.current }); }
      });
      var size = [node.clientWidth, node.clientHeight];
      var observer = new ResizeObserver(function () {
        var now = [node.clientWidth, node.clientHeight];
        if (now[0] === size[0] && now[1] === size[1]) { return; }
        size = now;
        c.resize();
      });
      observer.observe(node);
      return function () {
        observer.disconnect();
        c.dispose();
      };
    }, []);

    React.useEffect(function () { registerMaps(props.maps); }, [props.maps]);

    return h("div", { id: props.id, className: props.className, style: props.style, ref: el });
  }

  window.cockpit = Object.assign({}, window.cockpit, { ECharts: ECharts });
})(window.React, window.echarts);
