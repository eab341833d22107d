#!/usr/bin/env python3
"""Summarises the debug:timingLog files of one run_bench.sh measurement.

  timing_stats.py SIZE HOST_LOG CLIENT_LOG BUSY_T0 BUSY_T1 IDLE_T0 IDLE_T1

HOST_LOG has "post SERIAL NS" lines, CLIENT_LOG "swap SERIAL NS" and "render NS" lines (all
CLOCK_MONOTONIC ns, the same clock as the T arguments). Busy window: frames posted in
[BUSY_T0, BUSY_T1] are matched by serial to the client's swap lines; prints the post-to-swap
latency p50/p99/max and the share of posted frames that were shown. Idle window (host
stopped): renders per second in [IDLE_T0, IDLE_T1]. One line, "SIZE key=value ...".
Exit status 1 if a log is missing or holds no post line in the busy window.
"""
import math
import sys


def percentile(sorted_vals, p):
    """Nearest-rank percentile of a sorted, non-empty list."""
    k = max(0, min(len(sorted_vals) - 1, math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


def main(argv):
    if len(argv) != 8:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 1
    size, host_log, client_log = argv[1], argv[2], argv[3]
    b0, b1, i0, i1 = (int(v) for v in argv[4:8])
    posts, swaps, renders = {}, {}, []
    try:
        with open(host_log) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[0] == "post":
                    posts[int(p[1])] = int(p[2])
        with open(client_log) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[0] == "swap":
                    swaps.setdefault(int(p[1]), int(p[2]))
                elif len(p) == 2 and p[0] == "render":
                    renders.append(int(p[1]))
    except OSError as e:
        print(f"{size} timing: {e}", file=sys.stderr)
        return 1
    busy = [s for s, t in posts.items() if b0 <= t <= b1]
    if not busy:
        print(f"{size} timing: no frame posted in the busy window", file=sys.stderr)
        return 1
    lat = sorted((swaps[s] - posts[s]) / 1e3 for s in busy if s in swaps)
    busy_s = (b1 - b0) / 1e9
    idle_s = (i1 - i0) / 1e9
    busy_renders = sum(1 for t in renders if b0 <= t <= b1)
    idle_renders = sum(1 for t in renders if i0 <= t <= i1)
    out = [size, f"posted={len(busy)}", f"shown={len(lat)}",
           f"shown_pct={100.0 * len(lat) / len(busy):.1f}",
           f"posted_per_s={len(busy) / busy_s:.1f}",
           f"renders_per_s_busy={busy_renders / busy_s:.1f}",
           f"renders_per_s_idle={idle_renders / idle_s:.2f}"]
    if lat:
        out += [f"lat_p50_us={percentile(lat, 50):.0f}", f"lat_p99_us={percentile(lat, 99):.0f}",
                f"lat_max_us={lat[-1]:.0f}"]
    else:
        out += ["lat_p50_us=-", "lat_p99_us=-", "lat_max_us=-"]
    print(" ".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
