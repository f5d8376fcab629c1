"""Bulk export: 10,000 runs × 1,000 points (one key) through `Client.export_points` (Arrow
IPC, streamed a page of 500 runs at a time), the same in buckets of 10 steps, and
`export_runs`, into pyarrow Tables.

    .venv/bin/python bench/export.py [--runs 10000] [--steps 1000]

The runs are written through the ingest service in-process (bench/run_comparison.py's
fill), then the Python client reads them from the server (its own process). Reported: the
seconds each export took end to end (the client's own decoding included), points/s, the
bytes on the wire, and the server's resident memory high-water mark before and after (an
export streams: it should not grow with the export's size)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mlgraph  # noqa: E402
from bench.common import admin_key, counted_server, database, machine  # noqa: E402
from bench.run_comparison import fill  # noqa: E402


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=1_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with database() as url:
        key = await admin_key(url)
        experiment = await fill(url, key, args.runs, args.steps)
        async with counted_server(url) as server:
            async with mlgraph.Client(url=server.base_url, api_key=key, timeout=600) as client:
                await client.export_runs(experiment, query="params.seed < 10")  # warm
                before = server.peak_rss_mb()
                started = time.perf_counter()
                runs = await client.export_runs(experiment)
                runs_s = time.perf_counter() - started
                started = time.perf_counter()
                points = await client.export_points(experiment)
                points_s = time.perf_counter() - started
                started = time.perf_counter()
                buckets = await client.export_points(experiment, bucket_size=10)
                buckets_s = time.perf_counter() - started
                after = server.peak_rss_mb()
    assert runs.num_rows == args.runs and points.num_rows == args.runs * args.steps
    print(f"export_runs: {runs.num_rows:,} runs in {runs_s:.2f} s")
    print(
        f"export_points: {points.num_rows:,} points in {points_s:.2f} s "
        f"({points.num_rows / points_s:,.0f} points/s, {points.nbytes / 2**20:,.0f} MiB in memory)"
    )
    print(
        f"export_points(bucket_size=10): {buckets.num_rows:,} buckets of "
        f"{args.runs * args.steps:,} points in {buckets_s:.2f} s"
    )
    print(f"server RSS high-water: {before:,.0f} MB before, {after:,.0f} MB after")


if __name__ == "__main__":
    asyncio.run(main())
