"""gunicorn settings for the cockpit (production and the load benchmark).

    gunicorn -c benchmarks/gunicorn.conf.py 'app:server'

See docs/deployment.md. Environment: DATABASE_URL (PostgreSQL), REDIS_URL (the shared cache).
"""
import os

bind = os.environ.get("COCKPIT_BIND", "0.0.0.0:8050")
workers = int(os.environ.get("COCKPIT_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("COCKPIT_THREADS", "4"))
keepalive = 75          # browsers keep connections open; do not close them under their feet
timeout = 60
accesslog = None


def post_worker_init(worker):
    """Warm the worker before it takes requests.

    Dash finishes setting up its routes (and Dash Pages its router and validation layout) on a
    worker's first request; two threads doing that at the same time can fail with
    "RuntimeError: dictionary changed size during iteration" (a 500 for the unlucky request).
    One request here, single-threaded, does it once — and loads the metric store. Loading it
    also starts the warm-up of the shared cache for the snapshot in the background, in the one
    worker that claims it (cockpit.warm; with REDIS_URL set): `/readyz` answers 200 once it is
    done — the readiness check to wait for before sending users (docs/deployment.md)."""
    response = worker.wsgi.test_client().get("/")     # sign-in on: a redirect, but Dash is set up
    from cockpit import data
    store = data.current().store                       # the metric store, loaded before any user
    worker.log.info("worker %s started: GET / -> %s, %r, cache warm-up %s", worker.pid, response.status_code,
                    store, "on" if data.provider().warmer is not None else "off")
