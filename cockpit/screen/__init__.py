"""The command-center wall (`/screen`): a 1920×1080 design canvas for the big-data command
center's LED wall, unattended.

- `params`   the URL parameters (`?metric=`, `?rotate=`, `?refresh=`, `?screen=`) and their defaults
- `shaping`  what the wall shows, as plain data, computed only through the metric layer
- `sources`  the few record-level look-ups (latest warnings, model names, …), cached by snapshot
             and kept when the database is unreachable
- `charts`   pyecharts option builders (plain JSON-able dicts)
- `panels`   the HTML blocks (headline tiles, KPI rows, ticker, warnings feed, county panel)
- `layout`   the canvas, its three screens and the stores/intervals
- `callbacks` refresh, rotation, the map click and the client-side option scaling
"""
