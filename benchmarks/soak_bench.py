"""Soak benchmark: a hundred walls and fifty leaders at once, on the production set-up.

    python benchmarks/soak_bench.py --database postgresql://postgres@127.0.0.1/cockpit_soak_bench \\
        --walls 100 --leaders 50 --minutes 3

The database must hold a loaded store (`python -m etl run --landing DIR` with DATABASE_URL set).
The command:
1. starts gunicorn with benchmarks/gunicorn.conf.py (4 workers × 4 threads) on that database and
   Redis (`--redis`, a database of the benchmark's own: it is flushed first, so every run starts
   from an empty cache) and waits until its readiness check `/readyz` answers 200: the cache
   warmed for the snapshot (cockpit.warm), as a deployment waits before sending users
   (`--cold`: no warm-up, the load meets an empty cache);
2. issues one kiosk token per wall and opens (or resets) a leader account;
3. for `--minutes`, runs
   - the walls: each a session of its own, signed in with its own token (/screen?token=…), its
     page loaded (the wall's layout comes filled with the first refresh, as in a browser), then
     the refresh callback every `--refresh` seconds (default 3 s: 20× the wall's real 60 s),
     each sending the state its last answer set, as Dash's renderer does — so the map's
     indicator moves on at every tick and the tick is the delta of docs/benchmarks.md;
   - the leaders: benchmarks/load_bench.py's simulated users signed in as the leader, each a
     session of its own: a page view is the router and every initial callback of the page (up to
     6 at once), record lists paged (3 in 10 views), 1–3 s of reading between clicks;
4. prints the requests, errors, the wall's refresh and the leaders' callbacks p50/p95, the tick
   sizes, the server's resident memory (gunicorn's master and workers) when the load starts, after
   the first 30 s and at the end, the server's CPU, and the CPU share the load generator itself
   took (its process CPU time ÷ wall time ÷ cores) — on a shared machine the generator competes
   with the server for the same cores.

Kiosk tokens are revoked at the end. Targets (issue 14): 0 errors, wall refresh p95 ≤ 100 ms,
leaders' callbacks p95 ≤ 150 ms, server memory growth ≤ 20 %, a tick where only the map's
indicator moves on ≤ 20 KiB.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(BENCH))

import server  # noqa: E402
from load_bench import THINK_SECONDS, Client, pct, short, views  # noqa: E402

LEADER = "soak_leader"
WARM_SECONDS = 30          # memory "at start" is read after this much load: the caches filled


# --------------------------------------------------------------------------- the server

def start_gunicorn(database: str, redis_url: str, port: int, warm: bool = True, warm_views: bool = False):
    """gunicorn with benchmarks/gunicorn.conf.py; (process, base URL, log, seconds to ready) once
    its workers are up and — as a deployment's readiness check would — `/readyz` answers 200:
    the store loaded and the snapshot's cache warm-up done (cockpit.warm). `warm` False:
    COCKPIT_WARM=off (a cold start, for comparison). `warm_views`: the leaders' whole view set
    (queries included) is warmed too (COCKPIT_WARM_PATHS), not only each page's default view."""
    env = dict(os.environ, DATABASE_URL=database, REDIS_URL=redis_url, COCKPIT_BIND=f"127.0.0.1:{port}",
               PYTHONUNBUFFERED="1", COCKPIT_WARM="on" if warm else "off")
    if warm_views:
        env["COCKPIT_WARM_PATHS"] = ",".join(views())
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    proc, log = server.start([sys.executable, "-m", "gunicorn", "-c", str(BENCH / "gunicorn.conf.py"), "app:server"],
                             env, "soak_bench_gunicorn", base + "/readyz", timeout=900,
                             ready=lambda p: len(server_pids(p.pid)) > 1)
    return proc, base, log, time.monotonic() - t0


def server_pids(master: int) -> list[int]:
    """gunicorn's master and its workers."""
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])       # utime, stime
        except OSError:
            pass
    return total / ticks


# --------------------------------------------------------------------------- accounts

def accounts(database: str, walls: int) -> tuple[list[tuple[int, str]], str]:
    """(kiosk (id, token) per wall, the leader's password)."""
    from cockpit.auth import models
    from cockpit.auth.testing import create_user
    from cockpit.metrics.engine import make_engine
    engine = make_engine(database)
    try:
        models.create_tables(engine)
        tokens = [models.issue_kiosk(engine, f"压测大屏{i + 1:03d}", by="soak_bench") for i in range(walls)]
        password = create_user(engine, LEADER, "leader")
    finally:
        engine.dispose()
    return tokens, password


def revoke(database: str, tokens: list[tuple[int, str]]) -> None:
    from cockpit.auth import models
    from cockpit.metrics.engine import make_engine
    engine = make_engine(database)
    try:
        for kiosk_id, _ in tokens:
            models.revoke_kiosk(engine, kiosk_id, by="soak_bench")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the load

class Record:
    """Every timed request of the run, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        # (kind, ms, ok, bytes, note, seconds since the load started)
        self.rows: list[tuple[str, float, bool, int, str, float]] = []

    def add(self, kind: str, ms: float, ok: bool, nbytes: int = 0, note: str = "") -> None:
        with self.lock:
            self.rows.append((kind, ms, ok, nbytes, note, time.monotonic() - self.t0))


class Stalls:
    """The load generator's own pauses, which inflate every latency it times at once: its
    garbage collections (gc.callbacks) and the moments a thread that sleeps 10 ms woke late
    (the GIL or the CPU taken by something else). Diagnostics only; the timings are unchanged."""

    def __init__(self, t0: float, stop: list):
        self.t0, self.stop = t0, stop
        self.gc: list[tuple[float, int, float]] = []        # (at s, generation, ms)
        self.late: list[tuple[float, float]] = []           # (at s, ms late)
        self._start = 0.0
        self._gc = gc
        gc.callbacks.append(self._callback)
        threading.Thread(target=self._beat, daemon=True).start()

    def _callback(self, phase, info) -> None:
        now = time.monotonic()
        if phase == "start":
            self._start = now
        elif now - self._start >= 0.005:
            self.gc.append((self._start - self.t0, info.get("generation", -1), (now - self._start) * 1000))

    def _beat(self) -> None:
        while time.monotonic() < self.stop[0]:
            t = time.monotonic()
            time.sleep(0.01)
            late = (time.monotonic() - t - 0.01) * 1000
            if late >= 50:
                self.late.append((t - self.t0, late))

    def close(self) -> None:
        if self._callback in self._gc.callbacks:
            self._gc.callbacks.remove(self._callback)


def wall(i: int, base: str, token: str, refresh: float, stop: list, rec: Record, ready: threading.Barrier) -> None:
    """One wall: signed in, its page loaded, then a refresh tick every `refresh` seconds until
    `stop[0]` (monotonic time)."""
    query = f"?refresh={int(refresh)}"
    try:
        client = Client.kiosk(base, token, query)
        props = client.wall_layout(query)
        cb = next(c for c in client.deps if any(inp["id"] == "scr-refresh" for inp in c.inputs))
        state, params = props["scr-state"].get("data"), props["scr-params"].get("data")
    except Exception as err:  # noqa: BLE001 - a wall that cannot even load is an error of the run
        rec.add("wall page load", 0.0, False, 0, f"{type(err).__name__}: {err}")
        return
    finally:
        ready.wait()
    rnd = random.Random(1000 + i)
    time.sleep(rnd.uniform(0, refresh))         # the walls were switched on at different moments
    n = 0
    while time.monotonic() < stop[0]:
        due = time.monotonic() + refresh
        n += 1
        ms, ok, body, note, nbytes = client.call(
            cb, [{"id": "scr-refresh", "property": "n_intervals", "value": n}],
            [{"id": "scr-state", "property": "data", "value": state},
             {"id": "scr-params", "property": "data", "value": params}],
            ["scr-refresh.n_intervals"], parse=True)
        kind = "wall refresh (nothing new)"
        if ok and body is not None:
            new_state = (body.get("response", {}).get("scr-state") or {}).get("data")
            if new_state is not None and new_state.get("metric") != (state or {}).get("metric"):
                kind = "wall refresh (map moved on)"
            state = new_state if new_state is not None else state
        rec.add(kind, ms, ok, nbytes, note)
        time.sleep(max(0.0, due - time.monotonic()))


def leader(i: int, base: str, password: str, stop: list, rec: Record, ready: threading.Barrier) -> None:
    """One leader clicking through the pages (load_bench's user) until `stop[0]`."""
    from concurrent.futures import ThreadPoolExecutor
    all_views = views()
    try:
        client = Client.connect(base, LEADER, password)
    except BaseException as err:  # noqa: BLE001 - SystemExit from a failed sign-in included
        rec.add("leader sign-in", 0.0, False, 0, str(err))
        return
    finally:
        ready.wait()
    rnd = random.Random(i)
    time.sleep(rnd.uniform(0, THINK_SECONDS[1]))
    with ThreadPoolExecutor(max_workers=6) as pool:
        while time.monotonic() < stop[0]:
            view = rnd.choice(all_views)
            samples = client.visit(view, "soak", pool)
            if "rec-page" in getattr(client, "last_layout", {}) and rnd.random() < 0.3:
                samples += client.page_records("soak")
            for s in samples:
                kind = ("router" if s.callback.startswith("router") else
                        "paging" if s.callback.endswith("(paging)") else "callback")
                rec.add("leader " + kind, s.ms, s.ok, 0, s.note or f"{view} {short(s.callback)}")
            time.sleep(rnd.uniform(*THINK_SECONDS))


def run(args) -> dict:
    import redis
    redis.Redis.from_url(args.redis).flushdb()
    tokens, password = accounts(args.database, args.walls)
    port = args.port or server.free_port()
    proc, base, log, ready_s = start_gunicorn(args.database, args.redis, port, warm=not args.cold,
                                             warm_views=args.warm_views)
    pids = server_pids(proc.pid)
    out: dict = {"base": base, "server_log": log.name, "workers": len(pids) - 1, "ready_seconds": ready_s,
                 "warm": not args.cold,
                 "warm_views": args.warm_views}
    try:
        rec = Record()
        ready = threading.Barrier(args.walls + args.leaders + 1)
        stop = [float("inf")]
        threads = [threading.Thread(target=wall, args=(i, base, token, args.refresh, stop, rec, ready), daemon=True)
                   for i, (_, token) in enumerate(tokens)]
        threads += [threading.Thread(target=leader, args=(i, base, password, stop, rec, ready), daemon=True)
                    for i in range(args.leaders)]
        out["rss_idle"] = rss_mib(server_pids(proc.pid))
        for t in threads:
            t.start()
        ready.wait()          # everyone signed in and the walls' pages loaded (not timed)
        # The generator's own heap (cockpit's and Dash's modules, 150 sessions, their layouts)
        # out of its full garbage collections: unfrozen, each stopped all 150 clients for
        # 0.4–0.7 s every ~25 s, and every request in flight was timed that much slower
        # (session 8: docs/benchmarks.md). The server's latency is what is measured, not ours.
        gc.collect()
        gc.freeze()
        load0 = os.getloadavg()[0]
        duration = args.minutes * 60
        t0 = rec.t0 = time.monotonic()
        stop[0] = t0 + duration
        stalls = Stalls(t0, stop)
        cpu0, self0, machine0 = cpu_seconds(server_pids(proc.pid)), _self_cpu(), machine_cpu()
        out["rss_start"] = rss_mib(server_pids(proc.pid))
        time.sleep(min(WARM_SECONDS, duration))
        out["rss_warm"] = rss_mib(server_pids(proc.pid))
        out["rss_series"] = [(WARM_SECONDS, out["rss_warm"])]
        while time.monotonic() < stop[0]:
            time.sleep(min(15.0, max(0.0, stop[0] - time.monotonic())))
            out["rss_series"].append((round(time.monotonic() - t0), rss_mib(server_pids(proc.pid))))
        for t in threads:
            t.join(timeout=60)
        out["elapsed"] = time.monotonic() - t0
        out["rss_end"] = rss_mib(server_pids(proc.pid))
        out["server_cpu"] = cpu_seconds(server_pids(proc.pid)) - cpu0
        out["self_cpu"] = _self_cpu() - self0
        machine1 = machine_cpu()
        out["machine_busy"] = (machine1[0] - machine0[0]) / max(machine1[1] - machine0[1], 1e-9)
        out["load"] = (load0, os.getloadavg()[0])
        out["rows"] = rec.rows
        stalls.close()
        out["gc_pauses"], out["late_wakes"] = stalls.gc, stalls.late
    finally:
        server.stop(proc, log)
        revoke(args.database, tokens)
    return out


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / ticks, sum(fields[:8]) / ticks


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


# --------------------------------------------------------------------------- report

def report(args, out: dict) -> str:
    rows = out["rows"]
    by_kind: dict[str, list] = defaultdict(list)
    for r in rows:
        by_kind[r[0]].append(r)
    cores = os.cpu_count() or 1
    walls = [r for r in rows if r[0].startswith("wall refresh")]
    moved = by_kind.get("wall refresh (map moved on)", [])
    quiet = by_kind.get("wall refresh (nothing new)", [])
    leaders = [r for r in rows if r[0].startswith("leader ") and r[0] != "leader sign-in"]
    errors = [r for r in rows if not r[2]]
    growth = (out["rss_end"] / out["rss_warm"] - 1) * 100 if out["rss_warm"] else float("nan")
    wall_p95 = pct([r[1] for r in walls], 95)
    lead_p95 = pct([r[1] for r in leaders], 95)
    tick_max = max((r[3] for r in moved), default=0)

    def line(name, rs):
        ms = [r[1] for r in rs]
        return (f"  {name:<38} n={len(rs):>6}  p50 {pct(ms, 50):6.1f} ms  p95 {pct(ms, 95):6.1f} ms  "
                f"max {max(ms, default=float('nan')):7.1f} ms  errors {sum(1 for r in rs if not r[2])}")

    lines = [
        f"soak: {args.walls} walls (refresh every {args.refresh:g} s) + {args.leaders} leaders for "
        f"{out['elapsed'] / 60:.1f} min on gunicorn ({out['workers']} workers) + PostgreSQL + Redis",
        f"database {args.database}; load average {out['load'][0]:.1f} → {out['load'][1]:.1f} ({cores} cores)",
        f"server ready (/readyz 200{', cache warm' if out.get('warm') else ', cold: COCKPIT_WARM=off'}"
        f"{' incl. every view of the leaders (--warm-views)' if out.get('warm_views') else ''}) "
        f"{out.get('ready_seconds', float('nan')):.0f} s after gunicorn's start",
        f"requests: {len(rows)} ({len(rows) / out['elapsed']:.0f}/s), errors: {len(errors)}",
        line("wall refresh, all", walls),
        line(f"…after the first {WARM_SECONDS} s (warm caches)", [r for r in walls if r[5] >= WARM_SECONDS]),
        *[line(k, by_kind[k]) for k in ("wall refresh (map moved on)", "wall refresh (nothing new)") if by_kind.get(k)],
        line("leaders' callbacks, all", leaders),
        line(f"…after the first {WARM_SECONDS} s (warm caches)", [r for r in leaders if r[5] >= WARM_SECONDS]),
        *[line(k, by_kind[k]) for k in ("leader router", "leader callback", "leader paging") if by_kind.get(k)],
        "  p95 per 30 s (walls / leaders' callbacks, ms): " + ", ".join(
            f"{int(t)}–{int(t) + 30} s {pct([r[1] for r in walls if t <= r[5] < t + 30], 95):.0f} / "
            f"{pct([r[1] for r in leaders if t <= r[5] < t + 30], 95):.0f}"
            for t in range(0, int(out["elapsed"]), 30)),
        f"  wall tick size, map moved on: p50 {pct([r[3] for r in moved], 50) / 1024:.1f} KiB, "
        f"max {tick_max / 1024:.1f} KiB" + (
            f"; nothing new: {pct([r[3] for r in quiet], 50):.0f} bytes" if quiet else ""),
        f"server RSS (master + workers): idle {out['rss_idle']:.0f} MiB, load start {out['rss_start']:.0f} MiB, "
        f"after {WARM_SECONDS} s {out['rss_warm']:.0f} MiB, end {out['rss_end']:.0f} MiB "
        f"(growth after warm-up {growth:+.1f} %)",
        "  RSS over time (s: MiB): " + ", ".join(f"{t}: {m:.0f}" for t, m in out["rss_series"]),
        f"server CPU: {out['server_cpu']:.0f} s = {out['server_cpu'] / out['elapsed'] / cores * 100:.0f} % of "
        f"{cores} cores; load generator CPU: {out['self_cpu']:.0f} s = "
        f"{out['self_cpu'] / out['elapsed'] / cores * 100:.0f} % of {cores} cores; "
        f"server CPU per request {out['server_cpu'] / max(len(rows), 1) * 1000:.1f} ms",
        f"machine CPU busy {out['machine_busy'] * 100:.0f} %: the rest ("
        f"{(out['machine_busy'] - (out['server_cpu'] + out['self_cpu']) / out['elapsed'] / cores) * 100:.0f} %) is "
        f"PostgreSQL, Redis and whatever else runs on the machine",
        "",
        "targets:",
        f"  {'met' if not errors else 'NOT met'}: 0 errors ({len(errors)})",
        f"  {'met' if wall_p95 <= 100 else 'NOT met'}: wall refresh p95 ≤ 100 ms ({wall_p95:.0f} ms)",
        f"  {'met' if lead_p95 <= 150 else 'NOT met'}: leaders' callbacks p95 ≤ 150 ms ({lead_p95:.0f} ms)",
        f"  {'met' if growth <= 20 else 'NOT met'}: server memory growth ≤ 20 % ({growth:+.1f} %)",
        f"  {'met' if moved and tick_max <= 20 * 1024 else 'NOT met'}: a tick where the map moved on ≤ 20 KiB "
        f"(max {tick_max / 1024:.1f} KiB)",
    ]
    gcp, late = out.get("gc_pauses", []), out.get("late_wakes", [])
    lines.append(f"load generator's own pauses: garbage collections ≥ 5 ms {len(gcp)} (total "
                 f"{sum(p[2] for p in gcp):.0f} ms, max {max((p[2] for p in gcp), default=0):.0f} ms); "
                 f"a 10 ms sleep woke ≥ 50 ms late {len(late)} times (max {max((x[1] for x in late), default=0):.0f} ms)")
    if gcp:
        lines.append("  longest collections (at s: generation, ms): " + ", ".join(
            f"{a:.1f}: {g}, {ms:.0f}" for a, g, ms in sorted(gcp, key=lambda p: -p[2])[:10]))
    if late:
        lines.append("  latest wakes (at s: ms late): " + ", ".join(
            f"{a:.1f}: {ms:.0f}" for a, ms in sorted(late, key=lambda x: -x[1])[:10]))
    first = sorted((r for r in leaders if r[5] < WARM_SECONDS and r[2]), key=lambda r: -r[1])[:8]
    if first:
        lines.append(f"slowest leaders' requests of the first {WARM_SECONDS} s (ms, at s, view and callback):")
        lines += [f"  {r[1]:7.0f} at {r[5]:4.1f} s  {r[4]}" for r in first]
    later = sorted((r for r in leaders if r[5] >= WARM_SECONDS and r[2]), key=lambda r: -r[1])[:args.slowest]
    if later:
        lines.append(f"slowest leaders' requests after the first {WARM_SECONDS} s (ms, at s, view and callback):")
        lines += [f"  {r[1]:7.0f} at {r[5]:5.1f} s  {r[4]}" for r in later]
    slow_walls = sorted((r for r in walls if r[2]), key=lambda r: -r[1])[:args.slowest]
    if slow_walls:
        lines.append("slowest wall refreshes of the whole run (ms, at s):")
        lines += ["  " + ", ".join(f"{r[1]:.0f} at {r[5]:.1f}" for r in slow_walls[i:i + 6])
                  for i in range(0, len(slow_walls), 6)]
    if errors:
        lines.append("errors (first 10):")
        lines += [f"  {r[0]}: {r[4]}" for r in errors[:10]]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--database", default=os.environ.get("DATABASE_URL"), required="DATABASE_URL" not in os.environ,
                    help="a PostgreSQL store with the data loaded")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="a Redis database of its own (flushed)")
    ap.add_argument("--walls", type=int, default=100)
    ap.add_argument("--leaders", type=int, default=50)
    ap.add_argument("--minutes", type=float, default=3)
    ap.add_argument("--refresh", type=float, default=3, help="seconds between a wall's refreshes")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--json", default=None, help="also write the raw figures here")
    ap.add_argument("--slowest", type=int, default=12,
                    help="how many of the slowest leaders' requests (after the first 30 s) and walls' refreshes "
                         "(whole run) to list")
    ap.add_argument("--rows", default=None, help="also write every timed request here (JSON lines: kind, ms, ok, "
                                                 "bytes, note, seconds since the load started)")
    ap.add_argument("--warm-views", action="store_true",
                    help="warm the leaders' whole view set (COCKPIT_WARM_PATHS), not only each page's default")
    ap.add_argument("--cold", action="store_true",
                    help="COCKPIT_WARM=off: no warm-up of the cache before the load (the cold start, for comparison)")
    args = ap.parse_args(argv)
    out = run(args)
    text = report(args, out)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({k: v for k, v in out.items() if k != "rows"}, indent=1))
    if args.rows:
        with open(args.rows, "w", encoding="utf-8") as f:
            for r in out["rows"]:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0 if all(r[2] for r in out["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
