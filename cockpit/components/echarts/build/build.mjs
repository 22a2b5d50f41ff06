// Builds ../echarts.min.js from entry.js: `npm ci && npm run build` (in this directory).
import { build } from "esbuild";

await build({
  entryPoints: ["entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2019",
  define: { "process.env.NODE_ENV": '"production"' },  // drops ECharts' development checks
  legalComments: "none",
  banner: {
    js: "/*! Apache ECharts 5.6.0, Apache-2.0 (echarts.LICENSE.txt, echarts.NOTICE.txt); " +
        "the parts in cockpit/components/echarts/build/entry.js */",
  },
  outfile: "../echarts.min.js",
  logLevel: "info",
});
