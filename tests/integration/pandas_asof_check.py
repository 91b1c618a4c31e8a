#!/usr/bin/python3
"""asof-export against an independent implementation: pandas.merge_asof.

  check  random history (out-of-order events, ties on event time, explicit nulls) and
         labels aimed at the edges (exactly at an event, 1 us before, exactly at the ttl,
         1 us past it, unknown entities); asofd answers through asof-export, pandas through
         merge_asof(direction="backward", tolerance=ttl, allow_exact_matches=True) per
         feature; every cell must agree. Exit 0 when all agree.
  bench  the same join at scale (perf/compare_export.sh): loads H history rows, times
         asof-export and merge_asof on L labels, prints rows/s of both and the ratio.

The history reaches asofd through the HTTP API (POST /api/ingest), not the native client
asof-export uses, so the two sides share nothing but the data (bench with --import loads
it with asof-import instead, for sizes the HTTP path would take an hour to load). Ties: asofd keeps the later
ingest of one (entity, event time); the model drops all but the last written before
merge_asof, which needs a single row per key to be well-defined.

Usage: pandas_asof_check.py check --asofd PATH --export PATH [--seed N]
       pandas_asof_check.py bench --asofd PATH --export PATH --labels N --history N
Needs Debian's python3-pandas (run it with /usr/bin/python3).
"""
import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import pandas as pd

BASE_US = 1772323200 * 1_000_000  # 2026-03-01T00:00:00Z
SECOND = 1_000_000
# name -> (value type, ttl in seconds or None)
FEATURES = {"x": ("DOUBLE", 600), "n": ("INT64", None), "s": ("STRING", 60)}


class Asofd:
    """A throwaway asofd: temp data dir, ephemeral ports read from its log."""

    def __init__(self, binary, extra_flags=()):
        self.dir = tempfile.mkdtemp(prefix="asof-pandas-")
        self.log_path = os.path.join(self.dir, "asofd.log")
        argv = [binary, "--data-dir", os.path.join(self.dir, "data"), "--port", "0",
                "--http-port", "0", "--resp-port", "0", *extra_flags]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        self.port = self.http_port = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise RuntimeError("asofd exited during start:\n" + self.log_text())
            text = self.log_text()
            http = re.search(r"HTTP API listening on \S+:(\d+)", text)
            native = re.search(r"\[server\] asofd .*?listening on \S+:(\d+)", text)
            if http and native:
                self.http_port, self.port = int(http.group(1)), int(native.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError("asofd did not start:\n" + self.log_text())

    def log_text(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def post(self, path, body, content_type="application/json"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}",
                                     data=body.encode(), method="POST",
                                     headers={"Content-Type": content_type})
        with urllib.request.urlopen(req, timeout=600) as resp:
            return json.loads(resp.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def register(asofd, entity="user"):
    asofd.post("/api/entities", json.dumps({"name": entity}))
    for name, (vtype, ttl) in FEATURES.items():
        spec = {"name": name, "entity": entity, "value_type": vtype}
        if ttl is not None:
            spec["ttl"] = f"{ttl}s"
        asofd.post("/api/features", json.dumps(spec))


def ingest(asofd, history, batch=50_000):
    """history: list of (entity_id, feature, event_us, value); written in list order, which
    is the ingest order that decides ties."""
    for i in range(0, len(history), batch):
        lines = "\n".join(
            json.dumps({"entity": "user", "entity_id": e, "feature": f, "value": v,
                        "event_timestamp": ts})
            for e, f, ts, v in history[i:i + batch])
        r = asofd.post("/api/ingest", lines, "application/x-ndjson")
        if r["rejected"] or r["duplicates"]:
            raise RuntimeError(f"ingest: {r}")


def random_value(rng, feature):
    if rng.random() < 0.08:
        return None  # an explicit null
    vtype = FEATURES[feature][0]
    if vtype == "DOUBLE":
        # Full 17-digit doubles too: the HTTP API must store exactly what was sent
        # (wire/json_parse.h; Boost.JSON 1.81 alone was 1 ulp off for some of them).
        return rng.choice([rng.uniform(-1e6, 1e6), round(rng.uniform(-1e6, 1e6), 6),
                           rng.random(), float(rng.randint(-9, 9))])
    if vtype == "INT64":
        return rng.randint(-2**62, 2**62)
    return rng.choice(["", "plain", "with,comma", 'a "quote"', "line\nbreak", "é ü"]) + \
        str(rng.randint(0, 9))


def make_data(rng, entities, events, labels):
    ids = [f"e{i}" for i in range(entities)]
    history = []
    for _ in range(events):
        f = rng.choice(list(FEATURES))
        # A coarse grid over two hours: many ties on (entity, event time).
        ts = BASE_US + rng.randint(0, 720) * 10 * SECOND
        history.append((rng.choice(ids), f, ts, random_value(rng, f)))
    rng.shuffle(history)  # written out of event-time order
    rows = []
    for _ in range(labels):
        kind = rng.random()
        if kind < 0.5 or not history:
            e, ts = rng.choice(ids + ["unknown"]), BASE_US + rng.randint(-600, 7800) * SECOND
        else:
            e, f, at, _ = rng.choice(history)
            ttl = (FEATURES[f][1] or 0) * SECOND
            ts = rng.choice([at, at - 1, at + 1, at + ttl, at + ttl + 1])
        rows.append((e, ts, rng.randint(0, 1)))
    return history, rows


def run_export(args, asofd, labels_path, out_path, chunk_rows):
    argv = [args.export, "--port", str(asofd.port), "--labels", labels_path,
            "--entity-type", "user", "--features", ",".join(FEATURES),
            "--ts-format", "epoch_us", "--chunk-rows", str(chunk_rows), "-o", out_path, "-q"]
    start = time.monotonic()
    subprocess.run(argv, check=True)
    return time.monotonic() - start


def pandas_join(labels, history):
    """labels: DataFrame(entity_id, timestamp, y); history: DataFrame(entity_id, feature,
    ts, value) in write order. One merge_asof per feature; returns labels (input order)
    with one column per feature."""
    left = labels.reset_index().rename(columns={"index": "row"}).sort_values("timestamp",
                                                                           kind="stable")
    out = left
    for name, (_, ttl) in FEATURES.items():
        h = history[history.feature == name]
        # Ties: the last written wins (asofd: the later ingest).
        h = h.drop_duplicates(subset=["entity_id", "ts"], keep="last")
        h = h.sort_values("ts", kind="stable")[["entity_id", "ts", "value"]]
        h = h.rename(columns={"ts": "timestamp", "value": name})
        out = pd.merge_asof(out, h, on="timestamp", by="entity_id", direction="backward",
                            tolerance=None if ttl is None else ttl * SECOND,
                            allow_exact_matches=True)
    return out.sort_values("row").drop(columns="row").reset_index(drop=True)


def same(feature, got, want):
    """got: the CSV cell text (None when empty); want: pandas' value (NaN/None: no value)."""
    if want is None or (isinstance(want, float) and want != want):
        return got is None
    if got is None:
        return False
    vtype = FEATURES[feature][0]
    if vtype == "DOUBLE":
        return float(got) == want
    if vtype == "INT64":
        return int(got) == want
    return got == want


def read_export(path):
    """The header and the rows of asof-export's CSV, every cell as text ("" when empty)."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        return next(reader), list(reader)


def check(args):
    seed = args.seed if args.seed is not None else int(os.environ.get("ASOF_SEED", 0)) or \
        random.SystemRandom().randint(1, 2**31)
    print(f"pandas_asof_check: seed {seed} (rerun with --seed {seed})", flush=True)
    rng = random.Random(seed)
    history, label_rows = make_data(rng, entities=40, events=6000, labels=4000)
    asofd = Asofd(args.asofd, ["--threads", "2", "--block-cache-mb", "16"])
    try:
        register(asofd)
        ingest(asofd, history, batch=1000)
        work = tempfile.mkdtemp(prefix="asof-pandas-out-")
        labels_path, out_path = os.path.join(work, "labels.csv"), os.path.join(work, "out.csv")
        labels = pd.DataFrame(label_rows, columns=["entity_id", "timestamp", "y"])
        labels.to_csv(labels_path, index=False)
        run_export(args, asofd, labels_path, out_path, chunk_rows=700)
        want = pandas_join(labels, pd.DataFrame(history,
                                                columns=["entity_id", "feature", "ts", "value"]))
        header, got_rows = read_export(out_path)
        shutil.rmtree(work, ignore_errors=True)
    finally:
        asofd.stop()
    expected_header = ["entity_id", "timestamp", "y", *FEATURES]
    if header != expected_header:
        print(f"header {header}, expected {expected_header}")
        return 1
    if len(got_rows) != len(want):
        print(f"{len(got_rows)} rows, expected {len(want)}")
        return 1
    bad = filled = 0
    for i, raw in enumerate(got_rows):
        w = want.iloc[i]
        if raw[0] != w.entity_id or int(raw[1]) != w.timestamp or int(raw[2]) != w.y:
            print(f"row {i}: labels {raw[:3]} != {[w.entity_id, w.timestamp, w.y]}")
            bad += 1
            continue
        for j, name in enumerate(FEATURES):
            # csv reads an empty cell and a quoted "" alike; random_value never makes an
            # empty string, so "" here is always "no value".
            got = None if raw[3 + j] == "" else raw[3 + j]
            filled += got is not None
            if not same(name, got, w[name]):
                bad += 1
                if bad <= 20:
                    print(f"row {i} ({w.entity_id} at {w.timestamp}) {name}: asof-export "
                          f"{got!r}, pandas {w[name]!r}")
    print(f"pandas_asof_check: {len(got_rows)} rows x {len(FEATURES)} features, "
          f"{len(history)} history values, {filled} cells with a value, {bad} disagreements")
    return 1 if bad else 0


def load_with_import(args, asofd, hdf, work):
    """Bulk-loads the history with asof-import (CSV -> sorted SST files -> ingest): the way
    a snapshot of this size reaches asofd, ~10x faster than POST /api/ingest here."""
    path = os.path.join(work, "history.csv")
    hdf.rename(columns={"ts": "event_ts", "value": "x"})[["entity_id", "event_ts", "x"]].to_csv(
        path, index=False)
    subprocess.run([args.import_tool, "--port", str(asofd.port), "-e", "user", "--ts-format",
                    "epoch_us", "-f", "x", "--tmp-dir", work, path],
                   check=True, stdout=subprocess.DEVNULL)
    os.remove(path)


def bench(args):
    import numpy as np
    rng = np.random.default_rng(args.seed or 1)
    ids = np.array([f"e{i}" for i in range(args.entities)], dtype=object)
    span_s = 30 * 86400
    # Values are doubles; one feature per history row (the join cost is per row). Event
    # times are whole seconds, so (entity, time) ties occur; both sides keep one row each.
    t0 = time.monotonic()
    hdf = pd.DataFrame({
        "entity_id": ids[rng.integers(0, args.entities, args.history)],
        "feature": "x",
        "ts": BASE_US + rng.integers(0, span_s, args.history) * SECOND,
        "value": rng.random(args.history)})
    # One value per (entity, time): which of two tied rows a load keeps is not the race.
    hdf = hdf.drop_duplicates(subset=["entity_id", "ts"], keep="last").reset_index(drop=True)
    ldf = pd.DataFrame({"entity_id": ids[rng.integers(0, args.entities, args.labels)],
                        "timestamp": BASE_US + rng.integers(0, span_s, args.labels) * SECOND,
                        "y": rng.integers(0, 2, args.labels)})
    print(f"generated {len(hdf):,} history rows and {len(ldf):,} labels "
          f"in {time.monotonic() - t0:.1f} s", flush=True)
    asofd = Asofd(args.asofd, args.asofd_flags.split() if args.asofd_flags else [])
    work = tempfile.mkdtemp(prefix="asof-pandas-bench-")
    try:
        FEATURES.clear()
        FEATURES["x"] = ("DOUBLE", None)
        register(asofd)
        t0 = time.monotonic()
        if args.import_tool:
            load_with_import(args, asofd, hdf, work)
            how = "asof-import"
        else:
            ingest(asofd, list(hdf[["entity_id", "feature", "ts", "value"]].itertuples(
                index=False, name=None)))
            how = "POST /api/ingest"
        print(f"loaded through {how} in {time.monotonic() - t0:.1f} s", flush=True)
        labels_path, out_path = os.path.join(work, "labels.csv"), os.path.join(work, "out.csv")
        ldf.to_csv(labels_path, index=False)
        export_s = run_export(args, asofd, labels_path, out_path, chunk_rows=args.chunk_rows)
        os.remove(out_path)
    finally:
        asofd.stop()
    try:
        # pandas gets the same job: read the labels file, join, write the CSV.
        t0 = time.monotonic()
        ldf2 = pd.read_csv(labels_path)
        joined = pandas_join(ldf2, hdf)
        joined.to_csv(os.path.join(work, "pandas.csv"), index=False)
        pandas_s = time.monotonic() - t0
        t0 = time.monotonic()
        pandas_join(ldf2, hdf)
        pandas_join_s = time.monotonic() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = len(ldf)
    print(f"asof-export:            {n:,} rows in {export_s:.2f} s = {n / export_s:,.0f} rows/s")
    print(f"pandas (read+join+csv): {n:,} rows in {pandas_s:.2f} s = {n / pandas_s:,.0f} rows/s")
    print(f"pandas merge_asof only: {n:,} rows in {pandas_join_s:.2f} s = "
          f"{n / pandas_join_s:,.0f} rows/s (history already in memory, sorted per call)")
    print(f"ratio asof-export / pandas (read+join+csv): {pandas_s / export_s:.2f}x")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["check", "bench"])
    p.add_argument("--asofd", required=True)
    p.add_argument("--export", required=True)
    p.add_argument("--seed", type=int)
    p.add_argument("--labels", type=int, default=100_000)
    p.add_argument("--history", type=int, default=1_000_000)
    p.add_argument("--entities", type=int, default=100_000)
    p.add_argument("--chunk-rows", type=int, default=50_000)
    p.add_argument("--asofd-flags", default="", help="extra asofd flags (bench)")
    p.add_argument("--import", dest="import_tool",
                   help="asof-import binary: bench loads the history with it (default: HTTP)")
    args = p.parse_args()
    return check(args) if args.mode == "check" else bench(args)


if __name__ == "__main__":
    sys.exit(main())
