"""What the benchmarks share: throwaway services on loopback ports (gunicorn, PostgreSQL, Redis),
and a load that counts every answer by status.

A package, not a bench/*.py script, so `make bench` does not run it on its own.
"""

import contextlib
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SEED_SLUG = "interpersonal-mediation-level-4"
SEED = f"/qualifications/{SEED_SLUG}/"
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate, br"}


def spare_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url, cache_url, **extra):
    """The environment of a production server on loopback: debugging off, no HTTPS redirect."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return (
        env
        | {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "benchmark-only-" + "s" * 50,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "EMAIL_URL": "dummymail://",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "qualsite.settings",
            "DATABASE_URL": database_url,
            "CACHE_URL": cache_url,
        }
        | extra
    )


def throwaway_env(workdir, database_url=None):
    """A production environment whose database (unless `database_url` names one), cache and
    static files live in `workdir`."""
    return production_env(
        database_url or f"sqlite:///{workdir}/bench.sqlite3",
        f"filecache://{workdir}/cache",
        DJANGO_STATIC_ROOT=f"{workdir}/static",
    )


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args, "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )


def set_up_site(env):
    """Migrate the database in `env`, load the seed and collect the static files."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_seed")
    manage(env, "collectstatic", "--noinput")


def get(port, path, headers=None, timeout=10):
    """Return (status, headers, body) of one GET on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Gunicorn:
    """gunicorn serving the site with `env` on a loopback port."""

    def __init__(self, env, port, workers=None, name="gunicorn", log=None):
        """`workers`: None for gunicorn.conf.py's number; `log`: a file for what the server writes
        (its errors and warnings), else stderr."""
        self.port, self.name = port, name
        self.process = subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"),
                *("--bind", f"127.0.0.1:{port}"),
                *(("--workers", str(workers)) if workers else ()),
                *("--access-logfile", "/dev/null", "--log-level", "warning"),
                *("--max-requests", "0"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        self.wait_until_up()

    def wait_until_up(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited")
            with contextlib.suppress(OSError):
                get(self.port, "/healthz", timeout=2)
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def workers(self):
        """The process ids of its workers."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_a_worker(self):
        """Kill one worker outright, as the kernel's out-of-memory killer would; return its id."""
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        self.process.terminate()
        self.process.wait()


class PostgreSQL:
    """A PostgreSQL cluster on a loopback port: an existing one (`data` given) or a throwaway one,
    that can be stopped and started again."""

    def __init__(self, port, data=None):
        self.port = port
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.bin = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version)[-1])
        self.throwaway = data is None
        if self.throwaway:
            data = tempfile.mkdtemp(prefix="qualsite-pg-")
            if self.as_postgres:
                shutil.chown(data, "postgres")
            self._run("initdb", "-D", data, "-A", "trust", "-U", "postgres")
        self.data = data
        if self.throwaway:
            self.start()

    @staticmethod
    def available():
        return bool(list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")))

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, command, *args):
        subprocess.run(
            [*self.as_postgres, str(self.bin / command), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self):
        self._run(
            "pg_ctl", "-D", self.data, "-l", f"{self.data}/server.log", "-w",
            "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start",
        )  # fmt: skip

    def stop(self):
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def create_database(self, name):
        """A new, empty database `name` (dropped first if it is there)."""
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                      "-q", "-c", sql)  # fmt: skip

    def close(self):
        if self.throwaway:
            with contextlib.suppress(subprocess.CalledProcessError):
                self.stop()
            shutil.rmtree(self.data, ignore_errors=True)


def _version(path):
    return [int(part) for part in path.parent.name.split(".") if part.isdigit()]


class ObjectStore:
    """An S3-compatible server on a loopback port (moto's, from the development dependencies),
    with one bucket: the documents' shared storage for several servers."""

    REGION = "eu-west-2"
    KEYS = ("bench-key", "bench-secret")

    def __init__(self, port, bucket="qualsite-documents"):
        self.port, self.bucket = port, bucket
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                break
            time.sleep(0.05)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=self.url(),
            region_name=self.REGION,
            aws_access_key_id=self.KEYS[0],
            aws_secret_access_key=self.KEYS[1],
        ).create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": self.REGION}
        )

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self):
        """The settings that store documents in it."""
        return {
            "DOCUMENTS_S3_BUCKET": self.bucket,
            "DOCUMENTS_S3_ENDPOINT_URL": self.url(),
            "DOCUMENTS_S3_REGION": self.REGION,
            "DOCUMENTS_S3_ACCESS_KEY_ID": self.KEYS[0],
            "DOCUMENTS_S3_SECRET_ACCESS_KEY": self.KEYS[1],
        }

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Redis:
    """Debian's redis-server on a loopback port, keeping nothing on disk; stops and starts."""

    def __init__(self, port):
        self.port, self.process = port, None
        self.start()

    @staticmethod
    def available():
        return shutil.which("redis-server") is not None

    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tempfile.gettempdir()],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Load:
    """Clients asking for `paths` in turn, round and round, on the servers' `ports`, until
    stopped; every answer counted by status ("error" when the connection failed), with its time."""

    def __init__(self, ports, paths, clients=6, headers=BROWSER_HEADERS):
        self.ports, self.paths, self.headers = ports, paths, headers
        self.answers = []  # (monotonic time, path, status)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(n,)) for n in range(clients)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self, number):
        turn = number
        while not self._stop.is_set():
            port = self.ports[turn % len(self.ports)]
            path = self.paths[turn % len(self.paths)]
            turn += 1
            try:
                status = get(port, path, self.headers, timeout=10)[0]
            except (OSError, http.client.HTTPException):
                status = "error"
                time.sleep(0.05)
            with self._lock:
                self.answers.append((time.monotonic(), path, status))

    def between(self, start, end):
        """A Counter of the statuses answered between two monotonic times."""
        with self._lock:
            return Counter(status for at, _, status in self.answers if start <= at < end)

    def last_failure(self, start, end):
        """The time of the last answer other than 2xx/3xx between two times, or None."""
        with self._lock:
            failures = [
                at
                for at, _, status in self.answers
                if start <= at < end and not (isinstance(status, int) and status < 400)
            ]
        return max(failures, default=None)


def describe(counts):
    """'200: 812, 503: 40' for a Counter of statuses."""
    return ", ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=str)) or "none"


# wrk's Lua script: ask for the paths in turn and count the answers by status.
WRK_SCRIPT = """
local paths = {%s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) turn = 0; statuses = {} end
function request()
  turn = turn + 1
  return wrk.format("GET", paths[(turn %% #paths) + 1])
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %%d %%d\\n", status, n)) end
end
"""
WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(port, paths, seconds, connections=16, threads=2, headers=BROWSER_HEADERS):
    """Run wrk against `paths` (in turn) on `port`; return a dict: rate (requests per second),
    p50, p90, p99 (ms), statuses (a Counter; only when several paths are asked for), non_2xx
    (answers other than 2xx or 3xx), errors (sockets that failed or timed out)."""
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
    ]
    # A slow answer is a slow answer, not a failure, unless it is very slow.
    command += ["--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if len(paths) > 1:
            script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
            script.flush()
            command += ["-s", script.name]
        command.append(f"http://127.0.0.1:{port}{paths[0]}")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"statuses": Counter(), "non_2xx": 0, "errors": 0}
    for line in output.splitlines():
        words = line.split()
        if line.startswith("Requests/sec:"):
            result["rate"] = float(words[1])
        elif len(words) == 2 and words[0] in {"50%", "90%", "99%"}:
            number = words[1].rstrip("usm")
            unit = words[1][len(number) :]
            result[f"p{words[0][:-1]}"] = float(number) * WRK_UNITS[unit]
        elif line.startswith("status "):
            result["statuses"][int(words[1])] += int(words[2])
        elif "Non-2xx or 3xx responses:" in line:
            result["non_2xx"] = int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            result["errors"] = sum(int(w.strip(",")) for w in words[3::2])
    return result


def bytes_on_the_wire(port, path, headers=BROWSER_HEADERS):
    """The bytes of one answer to `path` as sent: (status line and headers, body)."""
    status, response_headers, body = get(port, path, headers)
    lines = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in response_headers.items()), ""]
    head = sum(len(line) + 2 for line in lines)
    return head, len(body)


# ONE CLIENT'S LATENCIES (bench/catalogue.py)


def hammer(port, path, seconds, clients, status=200):
    """Return (requests per second, latencies in ms) for `path` over `seconds`; every answer
    must have `status`."""
    latencies, lock = [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while (start := time.perf_counter()) < deadline:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != status:
                raise RuntimeError(f"{path} answered {response.status}")
            mine.append((time.perf_counter() - start) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def measure(port, path, seconds, clients, status=200):
    """Warm `path` up, then return its (requests per second, p50 ms, p95 ms)."""
    hammer(port, path, 0.3, 1, status)
    rate, latencies = hammer(port, path, seconds, clients, status)
    return rate, statistics.median(latencies), statistics.quantiles(latencies, n=20)[-1]


@contextlib.contextmanager
def serve(env, workers):
    """Set up the site in `env` and run gunicorn on a spare port; yield the port."""
    set_up_site(env)
    server = Gunicorn(env, spare_port(), workers=workers)
    try:
        yield server.port
    finally:
        server.stop()
