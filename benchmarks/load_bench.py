"""Load benchmark of the browser pages: simulated users clicking through the cockpit.

Each simulated user behaves like Dash's renderer in a browser: it asks the Dash Pages router
for a page (`_pages_content.children`, with the page's path and query), reads the returned
layout, then fires every server callback the renderer would fire for that layout (those
whose inputs are in it and that are not `prevent_initial_call`), up to 6 at a time like a
browser's connection limit. Interactions (paging a record list, opening a county from the
map) are the same callbacks with other inputs. Every callback round trip is timed.

    python benchmarks/load_bench.py --url http://127.0.0.1:8050 --users 20 --duration 60 \
        --redis redis://127.0.0.1:6379/5 --out benchmarks/RESULTS-pages.md

Phases:
  cold   the Redis cache is flushed (the `--redis` database only) and every view of the set is
         visited once, the views spread over the users (each starting at a random point of a
         think interval, 0–3 s): every callback computes from scratch (workers already started
         and warmed by gunicorn's post_worker_init, which also loads the metric store);
  warm   the users pick views of the same set at random for `--duration` seconds;
  floor  during the warm phase each user also calls a hidden no-op callback
         (`page-ping-out.children`): the round-trip cost of any callback on this server.
A callback answering with an HTTP error, a Python error message or a Dash error counts as an
error. Results: per callback p50 / p95 / max and errors, per phase.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from cockpit import dash_layout as L  # noqa: E402  (reading layouts as the renderer does)

ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."
# What a failed callback looks like in its response (the pages' Chinese error messages, as JSON
# escapes them, and anything resembling a traceback).
ERROR_MARKERS = tuple(json.dumps(t).strip('"').encode() for t in ("此部分内容生成失败", "暂时无法显示", "页面暂时无法显示")) + (
    b"Traceback",)
THINK_SECONDS = (1.0, 3.0)   # a person reads a page before the next click
PING_OUTPUT = "page-ping-out.children"
COUNTIES = ["140802", "140821", "140822", "140823", "140824", "140825", "140826", "140827", "140828",
            "140829", "140830", "140881", "140882"]


def views(latest_year: int = 2026) -> list[str]:
    """The set of views the users click through (paths with their query)."""
    y = latest_year
    out = ["/", f"/?period={y - 1}Q4", f"/?period={y - 1}&map=plea_rate", f"/?period={y}-06:ytd"]
    out += [f"/county/{c}" for c in COUNTIES]
    out += [f"/county/{c}?period={y - 1}" for c in COUNTIES[:6]]
    out += ["/county/140802?rec=arrest", "/county/140821?rec=suggestion", "/county/140823?rec=warning",
            f"/county/140802?period={y - 1}&rec=arrest&measure=arrest_not_approved"]
    for m in ("non_arrest_rate", "pretrial_detention_rate", "plea_rate", "rec_adoption_rate", "checkin_rate",
              "recording_coverage", "clues", "abscond_rate"):
        out.append(f"/metric/{m}")
    out += [f"/metric/non_arrest_rate?period={y - 1}&units=140802,140821", f"/metric/plea_rate?period={y - 1}Q3"]
    out += ["/compare", f"/compare?period={y - 1}&group=arrest", "/compare?group=noncustody&units=140802,140881",
            f"/compare?period={y - 1}Q2&group=models"]
    out += ["/trends", "/trends?unit=140802&span=2", f"/trends?period={y - 1}-12&span=all"]
    out += ["/platform/arrest", f"/platform/arrest?period={y - 1}", "/platform/arrest?unit=140802",
            "/platform/noncustody", f"/platform/noncustody?period={y - 1}Q4", "/platform/plea",
            f"/platform/juvenile?period={y - 1}", "/models", f"/models?period={y - 2}"]
    out += ["/metrics", "/county/999999", "/metric/nope"]
    return out


# --------------------------------------------------------------------------- a tiny Dash client

@dataclass
class Callback:
    output: str
    outputs: list
    inputs: list
    state: list
    prevent_initial_call: bool
    multi: bool

    @classmethod
    def from_dep(cls, dep: dict) -> Callback:
        out = dep["output"]
        return cls(out, L.outputs(out), dep["inputs"], dep.get("state", []), bool(dep.get("prevent_initial_call")),
                   out.startswith(".."))


@dataclass
class Sample:
    phase: str
    callback: str
    ms: float
    ok: bool
    note: str = ""


def sign_in(s: requests.Session, base: str, user: str, password: str) -> None:
    """The login form, as a browser posts it (GET for its CSRF token, then POST)."""
    import re
    page = s.get(base + "/login", timeout=60)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not token:
        raise SystemExit(f"no login form at {base}/login (HTTP {page.status_code})")
    r = s.post(base + "/login", data={"username": user, "password": password, "csrf_token": token.group(1),
                                      "next": "/"}, allow_redirects=False, timeout=60)
    if r.status_code != 302 or "/login" in r.headers.get("Location", ""):
        raise SystemExit(f"sign-in as {user} failed (HTTP {r.status_code})")


@dataclass
class Client:
    base: str
    deps: list[Callback]
    session: requests.Session = field(default_factory=requests.Session)

    @classmethod
    def connect(cls, base: str, user: str | None = None, password: str | None = None) -> Client:
        s = requests.Session()
        if user:
            sign_in(s, base, user, password or "")
        s.get(base + "/", timeout=60).raise_for_status()
        deps = s.get(base + "/_dash-dependencies", timeout=60).json()
        server = [Callback.from_dep(d) for d in deps if not d.get("clientside_function")]
        return cls(base, server, s)

    @classmethod
    def kiosk(cls, base: str, token: str, query: str = "") -> Client:
        """A wall's browser: signed in by its kiosk token (/screen?token=…), the wall's page loaded."""
        s = requests.Session()
        r = s.get(f"{base}/screen?token={token}", allow_redirects=False, timeout=60)
        if r.status_code != 302:
            raise SystemExit(f"kiosk sign-in failed (HTTP {r.status_code})")
        s.get(f"{base}/screen{query}", timeout=60).raise_for_status()
        deps = s.get(base + "/_dash-dependencies", timeout=60).json()
        return cls(base, [Callback.from_dep(d) for d in deps if not d.get("clientside_function")], s)

    def wall_layout(self, query: str = "") -> dict:
        """The wall's layout as its page loads it (/_dash-layout, filled with the first refresh;
        the server reads the page's address from the Referer): {component id: props}."""
        r = self.session.get(self.base + "/_dash-layout", headers={"Referer": f"{self.base}/screen{query}"},
                             timeout=60)
        r.raise_for_status()
        comps: dict = {}
        L.walk(r.json(), comps)
        return {k: props for k, (_, props) in comps.items()}

    def call(self, cb: Callback, inputs: list, state: list, changed: list[str], parse: bool = False
             ) -> tuple[float, bool, dict | None, str, int]:
        """(ms, ok, the parsed response when `parse`, what went wrong, the response's bytes)."""
        payload = {"output": cb.output, "outputs": cb.outputs if cb.multi else cb.outputs[0], "inputs": inputs,
                   "changedPropIds": changed, "parsedChangedPropsIds": changed}
        if state:
            payload["state"] = state
        data = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        csrf = self.session.cookies.get("_csrf_token")
        if csrf:     # what Dash's renderer sends when signed in (cockpit.auth.csrf)
            headers["X-CSRFToken"] = csrf
        t = time.perf_counter()
        for attempt in (1, 2):
            try:
                r = self.session.post(self.base + "/_dash-update-component", data=data,
                                      headers=headers, timeout=60)
                break
            except requests.ConnectionError as err:
                # a kept-alive connection the server had just closed: browsers retry such a
                # request once on a fresh connection, so do we (the time counts)
                if attempt == 2:
                    return (time.perf_counter() - t) * 1000, False, None, type(err).__name__, 0
            except requests.RequestException as err:
                return (time.perf_counter() - t) * 1000, False, None, type(err).__name__, 0
        ms = (time.perf_counter() - t) * 1000
        content = r.content
        if r.status_code == 204:
            return ms, True, None, "", len(content)
        if r.status_code != 200:
            return ms, False, None, f"HTTP {r.status_code}", len(content)
        if any(marker in content for marker in ERROR_MARKERS):
            return ms, False, None, "error message in response", len(content)
        return ms, True, (r.json() if parse else None), "", len(content)

    def visit(self, path: str, phase: str, pool: ThreadPoolExecutor) -> list[Sample]:
        """One page view: the router, then the layout's initial callbacks (in parallel)."""
        samples = []
        pathname, _, query = path.partition("?")
        router = next(cb for cb in self.deps if cb.output == ROUTER_OUTPUT)
        inputs = [{"id": "_pages_location", "property": "pathname", "value": pathname},
                  {"id": "_pages_location", "property": "search", "value": f"?{query}" if query else ""}]
        ms, ok, body, note, _ = self.call(router, inputs, [], ["_pages_location.pathname", "_pages_location.search"],
                                          parse=True)
        samples.append(Sample(phase, "router (page layout)", ms, ok, note))
        if not ok or body is None:
            return samples
        comps: dict = {}
        L.walk(body["response"]["_pages_content"]["children"], comps)
        todo = []
        for cb in self.deps:
            if cb.output == ROUTER_OUTPUT or cb.prevent_initial_call:
                continue
            if not any(L.present(L.dep_id(spec["id"]), comps) for spec in cb.inputs):
                continue
            iv = L.values(cb.inputs, comps)
            sv = L.values(cb.state, comps)
            if iv is None or sv is None:
                continue
            todo.append((cb, iv, sv))
        futures = [pool.submit(self.call, cb, iv, sv, []) for cb, iv, sv in todo]
        for (cb, _, _), fut in zip(todo, futures):
            ms, ok, _, note, _ = fut.result()
            samples.append(Sample(phase, cb.output, ms, ok, note))
        self.last_layout = comps
        return samples

    def page_records(self, phase: str) -> list[Sample]:
        """Interaction: the next page of the record list on the page just visited."""
        comps = getattr(self, "last_layout", {})
        cb = next((c for c in self.deps if c.output.startswith("..rec-table.children")), None)
        if cb is None or "rec-page" not in comps:
            return []
        iv = L.values(cb.inputs, comps)
        sv = L.values(cb.state, comps)
        if iv is None or sv is None:
            return []
        for item in iv:
            if isinstance(item, dict) and item["id"] == "rec-page":
                item["value"] = random.choice([2, 3])
        ms, ok, _, note, _ = self.call(cb, iv, sv, ["rec-page.active_page"])
        return [Sample(phase, cb.output + " (paging)", ms, ok, note)]

    def ping(self, phase: str) -> Sample:
        cb = next(c for c in self.deps if c.output == PING_OUTPUT)
        ms, ok, _, note, _ = self.call(cb, [{"id": "page-ping", "property": "data", "value": random.random()}], [],
                                       ["page-ping.data"])
        return Sample(phase, "no-op callback (floor)", ms, ok, note)


# --------------------------------------------------------------------------- the run

NICE = {
    "router (page layout)": "页面布局（Dash Pages 路由）",
    "no-op callback (floor)": "空回调（基准下限）",
}


def short(output: str) -> str:
    """`..a.children...b.data..` → `a.children` (the first output names the callback)."""
    suffix = " (paging)" if output.endswith(" (paging)") else ""
    return output.removesuffix(suffix).strip(".").split("...")[0] + suffix


def run(base: str, users: int, duration: float, redis_url: str | None, user: str | None = None,
        password: str | None = None, seed: int = 7) -> dict:
    random.seed(seed)
    all_views = views()
    samples: list[Sample] = []
    lock = threading.Lock()

    # Start-up is not part of "cold": every worker has imported the app, built Dash's routes and
    # loaded the metric store before the caches are emptied (gunicorn's post_worker_init does it,
    # benchmarks/gunicorn.conf.py; these few page loads only check the server answers).
    startup = []
    for _ in range(8):
        t = time.perf_counter()
        requests.get(base + "/", timeout=120).raise_for_status()
        startup.append((time.perf_counter() - t) * 1000)
    if redis_url:
        import redis
        redis.Redis.from_url(redis_url).flushdb()

    clients = [Client.connect(base, user, password) for _ in range(users)]
    pools = [ThreadPoolExecutor(max_workers=6) for _ in range(users)]

    # cold: every view once, spread over the users
    order = list(all_views)
    random.shuffle(order)
    chunks = [order[i::users] for i in range(users)]

    def cold(i):
        rnd = random.Random(seed + 100 + i)
        # users arrive at a random point of a think interval: 20 people do not click in the same second
        time.sleep(rnd.uniform(0, THINK_SECONDS[1]))
        for v in chunks[i]:
            s = clients[i].visit(v, "cold", pools[i])
            with lock:
                samples.extend(s)
            time.sleep(rnd.uniform(*THINK_SECONDS))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=cold, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cold_s = time.perf_counter() - t0

    # warm: random views for `duration` seconds
    stop = time.monotonic() + duration
    views_done = [0]

    def warm(i):
        rnd = random.Random(seed + i)
        while time.monotonic() < stop:
            v = rnd.choice(all_views)
            s = clients[i].visit(v, "warm", pools[i])
            if "rec-page" in getattr(clients[i], "last_layout", {}) and rnd.random() < 0.3:
                s += clients[i].page_records("warm")
            s.append(clients[i].ping("floor"))
            with lock:
                samples.extend(s)
                views_done[0] += 1
            time.sleep(rnd.uniform(*THINK_SECONDS))

    threads = [threading.Thread(target=warm, args=(i,)) for i in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in pools:
        p.shutdown()
    return {"samples": samples, "cold_seconds": cold_s, "views": len(all_views), "warm_views": views_done[0],
            "startup_ms": max(startup)}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


def report(result: dict, args) -> str:
    samples = result["samples"]
    groups: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    for s in samples:
        groups[(s.phase, s.callback)].append(s)
    lines = []
    lines.append(f"users: {args.users}, warm duration: {args.duration:.0f} s, views in the set: {result['views']}, "
                 f"cold pass: {result['cold_seconds']:.1f} s, warm page views: {result['warm_views']}")
    total_err = sum(1 for s in samples if not s.ok)
    lines.append(f"callbacks timed: {len(samples)}, errors: {total_err}; slowest of 8 page loads (GET /) before "
                 f"the run: {result['startup_ms']:.0f} ms")
    lines.append("")
    lines.append("| phase | callback | n | p50 ms | p95 ms | max ms | errors |")
    lines.append("|---|---|---:|---:|---:|---:|---:|")
    for phase in ("cold", "warm", "floor"):
        keys = sorted([k for k in groups if k[0] == phase], key=lambda k: -pct([s.ms for s in groups[k]], 95))
        for k in keys:
            ms = [s.ms for s in groups[k]]
            err = sum(1 for s in groups[k] if not s.ok)
            name = NICE.get(k[1], short(k[1]))
            lines.append(f"| {phase} | `{name}` | {len(ms)} | {statistics.median(ms):.0f} | {pct(ms, 95):.0f} | "
                         f"{max(ms):.0f} | {err} |")
    for phase in ("cold", "warm", "floor"):
        ms = [s.ms for s in samples if s.phase == phase]
        if ms:
            worst = max(pct([s.ms for s in groups[k]], 95) for k in groups if k[0] == phase)
            lines.append(f"\n{phase}: all callbacks p95 {pct(ms, 95):.0f} ms; worst per-callback p95 {worst:.0f} ms")
    errs = [s for s in samples if not s.ok]
    if errs:
        lines.append("\nerrors:")
        for s in errs[:20]:
            lines.append(f"- {s.phase} {short(s.callback)}: {s.note}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:8050")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--redis", default=None, help="flush this Redis database before the cold pass")
    ap.add_argument("--out", default=None, help="append the report to this file")
    ap.add_argument("--user", default=os.environ.get("COCKPIT_BENCH_USER"),
                    help="sign every simulated user in as this account (a leader: sees every page and record)")
    ap.add_argument("--password", default=os.environ.get("COCKPIT_BENCH_PASSWORD"))
    args = ap.parse_args(argv)
    result = run(args.url.rstrip("/"), args.users, args.duration, args.redis, args.user, args.password)
    text = report(result, args)
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n```\n" + text + "\n```\n")
    return 1 if any(not s.ok for s in result["samples"]) else 0


if __name__ == "__main__":
    sys.exit(main())
