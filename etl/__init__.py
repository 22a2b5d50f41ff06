"""The ETL: source exports in, published metric tables out.

    python -m etl demo --out DIR --size small|full   write believable demo exports
    python -m etl run --landing DIR                  load new files into the store
    python -m etl bench                              time loads against the pandas floor

Modules: `contracts` (what each export must look like), `reader` (formats, encodings,
header row), `validate` (row checks and the reasons for a data clerk), `run` (one atomic
load), `rollup` (staging → fact tables, generated from `cockpit.metrics.measures`),
`schema` (the tables), `bulk` (fast inserts), `sandbox` (workbooks parsed in a worker process
with memory and time limits), `demo` (the demo exports).
"""
