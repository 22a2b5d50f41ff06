/* An empty world map for plotly.js geo subplots.
 * Plotly fetches a world topojson from its CDN (cdn.plot.ly) for every geo subplot, even
 * with a custom GeoJSON and `visible: false`; the intranet has no CDN. The county map
 * (assets/geo/yuncheng.json) needs no base map, so an empty topology is all we provide.
 */
(function () {
  var assets = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
  assets.topojson = assets.topojson || {};
  var empty = {"type": "Topology", "objects": {"coastlines": {"type": "GeometryCollection", "geometries": []}, "land": {"type": "GeometryCollection", "geometries": []}, "ocean": {"type": "GeometryCollection", "geometries": []}, "lakes": {"type": "GeometryCollection", "geometries": []}, "rivers": {"type": "GeometryCollection", "geometries": []}, "countries": {"type": "GeometryCollection", "geometries": []}, "subunits": {"type": "GeometryCollection", "geometries": []}}, "arcs": [], "bbox": [-180, -90, 180, 90]};
  ['world_110m', 'world_50m'].forEach(function (name) {
    if (!assets.topojson[name]) assets.topojson[name] = empty;
  });
})();
