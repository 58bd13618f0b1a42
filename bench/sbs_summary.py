#!/usr/bin/env python3
"""sbs_summary.py RESULTS_DIR - the markdown report of bench/side-by-side.sh (stdlib only).

Reads RESULTS_DIR/env.json and the per-run RESULTS_DIR/<label>-r<N>.json files and prints the
tables: every cell is  mean / median [min..max]  over the repetitions (one value for one run).
Goals are judged on medians; ratios are Shear / QEMU.
"""
import glob
import json
import os
import re
import statistics
import sys

MiB = 2 ** 20


def load(d):
    runs = {}
    for path in sorted(glob.glob(os.path.join(d, "*-r[0-9]*.json"))):
        m = re.match(r"(.+)-r(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            runs.setdefault(m.group(1), []).append(json.load(f))
    env = {}
    if os.path.exists(os.path.join(d, "env.json")):
        with open(os.path.join(d, "env.json")) as f:
            env = json.load(f)
    return env, runs


def get(run, *path):
    for k in path:
        if not isinstance(run, dict) or run.get(k) is None:
            return None
        run = run[k]
    return run


def values(rs, *path, scale=1.0, only_ok=True):
    out = []
    for r in rs:
        if only_ok and not r.get("ok"):
            continue
        v = get(r, *path)
        if isinstance(v, (int, float)):
            out.append(v * scale)
    return out


def num(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def cell(vs, digits=0):
    """mean / median [min..max], or the single value."""
    if not vs:
        return "–"
    if len(vs) == 1:
        return num(vs[0], digits)
    return (f"{num(statistics.mean(vs), digits)} / {num(statistics.median(vs), digits)} "
            f"[{num(min(vs), digits)}..{num(max(vs), digits)}]")


def med(vs):
    return statistics.median(vs) if vs else None


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.{digits}f}"


def pair_ratios(shear, qemu, *path):
    """Shear/QEMU per repetition (runs paired by rep), for the [min..max] of a ratio."""
    q = {r["rep"]: get(r, *path) for r in qemu if r.get("ok")}
    out = []
    for r in shear:
        v, w = get(r, *path), q.get(r.get("rep"))
        if r.get("ok") and v is not None and w:
            out.append(v / w)
    return out


def compares(rs):
    c = [r.get("compare") for r in rs]
    if not c:
        return "–"
    same = sum(1 for x in c if x == "identical")
    bad = [x for x in c if x != "identical"]
    return f"{same}/{len(c)} identical" + (f" (**{', '.join(str(x) for x in bad)}**)" if bad else "")


def negatives(rs):
    c = [r.get("negative_control") for r in rs if r.get("negative_control")]
    if not c or all(x.startswith("n/a") for x in c):
        return "n/a"
    return f"{sum(1 for x in c if x == 'differs')}/{len(c)} differ"


def oks(rs):
    return f"{sum(1 for r in rs if r.get('ok'))}/{len(rs)}"


def errors(runs):
    out = []
    for label, rs in sorted(runs.items()):
        for r in rs:
            if not r.get("ok"):
                out.append(f"{label}-r{r.get('rep')}: {r.get('error', 'failed')}")
    return out


def main():
    d = sys.argv[1]
    env, runs = load(d)
    p = env.get("params", {})
    R = lambda label: runs.get(label, [])
    w = print
    date = (env.get("started") or "")[:10]
    w(f"# Shear and QEMU 7.2 side by side ({date})\n")
    w("Made by `bench/side-by-side.sh` (issue 5): one run, one machine, the same golden image files, "
      "the same client (`fio --ioengine=nbd`, libnbd) for both engines. Engines alternate within each "
      "repetition (ABBA order). Every cell is **mean / median [min..max]** over the repetitions; goals "
      "are judged on medians. Latencies are fio completion latencies (clat) in µs.\n")
    w("| | |\n|---|---|")
    w(f"| machine | {env.get('cpu', '?')}, {env.get('nproc', '?')} CPUs, {env.get('mem', '?')} RAM; "
      f"{env.get('os', '?')}, {env.get('kernel', '?')}; scratch on {env.get('scratch_fs', '?')} |")
    w(f"| load average (1/5/15 min) | {env.get('loadavg_start', '?')} at the start, "
      f"{env.get('loadavg_end', '?')} at the end (the machine is shared) |")
    w(f"| run | {env.get('started', '?')} → {env.get('ended', '?')}, {num(env.get('wall_s'))} s; "
      f"{env.get('drop_caches', '')} |")
    w(f"| Shear | {env.get('shear', '?').strip()} (commit {env.get('shear_commit', '?')})"
      + (f", SHEAR_JAVA_OPTS={p['shear_java_opts']}" if p.get("shear_java_opts") else "") + " |")
    w(f"| QEMU | {env.get('qsd', '?')}, TCP_NODELAY shim (LD_PRELOAD, `bench/nodelay-shim.c`) |")
    w(f"| client | {env.get('fio', '?')}, {env.get('libnbd', '?')}; {env.get('python', '?')} |")
    w(f"| parameters | {p.get('reps', '?')} reps; (a) and (c) on a {p.get('size', '?')} disk, (b) on "
      f"{p.get('b_size', '?')}; guest {p.get('guest_s', '?')} s; plain fio {p.get('a_runtime_s', '?')} s; "
      f"backup target throttled to {p.get('target_bps', '?')}/s in (b)"
      + (f"; QEMU x-perf max-chunk {p['qemu_max_chunk']}" if p.get("qemu_max_chunk", "0") != "0" else "") + " |")
    w(f"| rerun | `{env.get('rerun', 'bench/side-by-side.sh')}` (a 3-minute check: `bench/side-by-side.sh --quick`); "
      f"per-run JSON in `{os.path.basename(os.path.normpath(d))}/` |")
    w("")

    # ------------------------------------------------------------------ goals
    a_s, a_q = R("a-shear"), R("a-qemu")
    bs_f, bq_f = R("b-shear-fleece"), R("b-qemu-fleece")
    iops_s, iops_q = med(values(a_s, "fio", "write", "iops")), med(values(a_q, "fio", "write", "iops"))
    p99_s, p99_q = med(values(bs_f, "guest", "write", "p99_us")), med(values(bq_f, "guest", "write", "p99_us"))
    pk_s = med(values(bs_f, "peak_fleece_bytes", scale=1 / MiB))
    pk_q = med(values(bq_f, "peak_fleece_bytes", scale=1 / MiB))
    end_s = values(bs_f, "fleece_after_bytes", only_ok=False)

    def verdict(ok):
        return "–" if ok is None else ("**yes**" if ok else "**NO**")

    w("## Goals (issue 5)\n")
    w("| goal | Shear | QEMU 7.2 | met? |\n|---|---|---|---|")
    if a_s or a_q:
        ok = None if iops_s is None or iops_q is None else iops_s >= iops_q
        w(f"| plain export 4 KiB randwrite IOPS ≥ 1.0 × QEMU (a) | {num(iops_s)} | {num(iops_q)} | "
          f"{verdict(ok)} ({ratio(iops_s, iops_q)} ×) |")
    if bs_f or bq_f:
        ok = None if p99_s is None or p99_q is None else p99_s <= p99_q
        w(f"| with fleecing, guest write p99 ≤ QEMU's (b) | {num(p99_s)} µs | {num(p99_q)} µs | "
          f"{verdict(ok)} ({ratio(p99_s, p99_q)} ×) |")
        ok = None if pk_s is None or pk_q is None else pk_s <= pk_q / 2
        w(f"| peak fleecing image ≤ ½ of QEMU's (b) | {num(pk_s)} MiB | {num(pk_q)} MiB | "
          f"{verdict(ok)} ({ratio(pk_s, pk_q)} ×) |")
        ok = None if not end_s else all(v == 0 for v in end_s)
        q_end = values(bq_f, "fleece_last_sample_before_job_end_bytes", scale=1 / MiB, only_ok=False)
        w(f"| fleecing image back to nothing at the end (b) | {', '.join(num(v) for v in end_s)} bytes after the "
          f"backup | {num(med(q_end))} MiB at job end (7.2 has no discard-source) | {verdict(ok)} |")
    allb = [r for k, rs in runs.items() if k.startswith(("b-", "c-")) and "-ref-" not in k for r in rs]
    if allb:
        by = {e: [r for r in allb if r.get("engine") == e] for e in ("shear", "qemu")}
        ok = all(r.get("compare") == "identical" for r in by["shear"]) if by["shear"] else None
        w(f"| every backup equals the disk at backup start (`qemu-img compare`, (b) and (c)) | "
          f"{compares(by['shear'])} | {compares(by['qemu'])} | {verdict(ok)} (Shear) |")
    w("")

    # ------------------------------------------------------------------ (a)
    if any(R(l) for l in ("a-shear", "a-qemu", "a-qemu-page")):
        w(f"## (a) Plain export: 4 KiB random writes, iodepth 16, no rate limit, {p.get('a_runtime_s', '?')} s\n")
        w("No backup. One fio job, one NBD connection. QEMU as in the peer study (`cache.direct=on`, "
          "`aio=native`), and for reference through the page cache (`cache.direct=off`, `aio=threads`), "
          "which is how Shear opens raw disks. *server CPU* is the CPU time the server process used during "
          "the run (all threads); *others' CPU* is the share of the machine's CPU time used by processes "
          "other than the server and fio during the run (`/proc/stat` minus both): other users of a shared "
          "machine.\n")
        w("| engine | runs ok | write IOPS | clat p50 | p99 | p99.9 | server CPU s | others' CPU % | IOPS Shear ÷ this | p99 Shear ÷ this |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for label, name in (("a-shear", "Shear (`shear run`)"), ("a-qemu", "QEMU qsd, O_DIRECT (peer setup)"),
                            ("a-qemu-page", "QEMU qsd, page cache")):
            rs = R(label)
            if not rs:
                continue
            f = lambda k: cell(values(rs, "fio", "write", k))
            if label == "a-shear":
                ri = rp = ""
            else:
                ri = (f"{ratio(iops_s, med(values(rs, 'fio', 'write', 'iops')))} "
                      f"({cell(pair_ratios(a_s, rs, 'fio', 'write', 'iops'), 2)})")
                rp = ratio(med(values(a_s, "fio", "write", "p99_us")), med(values(rs, "fio", "write", "p99_us")))
            w(f"| {name} | {oks(rs)} | {f('iops')} | {f('p50_us')} | {f('p99_us')} | {f('p99.9_us')} | "
              f"{cell(values(rs, 'server_cpu_s'), 1)} | {cell(values(rs, 'run_cpu', 'others_cpu_pct'))} | {ri} | {rp} |")
        gcs = [r.get("gc_during_run") for r in R("a-shear") if r.get("gc_during_run")]
        if gcs:
            w(f"\nShear's JVM paused for GC {cell([g['count'] for g in gcs])} times per run, "
              f"{cell([g['total_ms'] for g in gcs], 1)} ms in total, the longest "
              f"{cell([g['max_ms'] for g in gcs], 1)} ms.")
        w("\nRatios: of the medians, then in brackets per repetition pair (mean / median [min..max]).\n")

    # ------------------------------------------------------------------ (b)
    blabels = [("b-shear-nofleece", "Shear, no fleecing"), ("b-qemu-nofleece", "QEMU, no fleecing"),
               ("b-shear-fleece", "Shear, fleecing"), ("b-qemu-fleece", "QEMU, fleecing")]
    if any(R(l) for l, _ in blabels):
        w(f"## (b) Guest latency during a backup to a target throttled to {p.get('target_bps', '?')}/s\n")
        w(f"Disk {p.get('b_size', '?')}, the guest (`bench/guest-load.fio`) asks for 2000 random 4 KiB writes/s "
          f"(QD 16) + 500 reads/s (QD 4) for {p.get('guest_s', '?')} s, starting as soon as the backup has fixed "
          "its point in time. The backup target is a qcow2 file behind a throttle (QEMU: throttle-group "
          "`bps-write` + throttle node; Shear: `SHEAR_X_TARGET_BPS`), kept until the backup ends for both "
          "engines, so *backup s* (point in time fixed → job completed) is about size ÷ rate. "
          "No fleecing: QEMU's blockdev-backup filter / Shear's CBW copy old data straight to the slow target. "
          "Fleecing: to a qcow2 image on the `fast` storage (same file system); QEMU's has 64 KiB clusters "
          "and copies before write in 64 KiB, Shear's has 4 KiB clusters and copies 4 KiB "
          "(`docs/decisions/0010-fine-fleecing-granularity.md`). *peak fleecing* is the "
          "largest of the 1-s samples of its size on disk; *at end*: Shear after the backup (the file is "
          "removed), QEMU the last sample before the job completed (7.2 keeps the image). *server CPU*: "
          "CPU seconds of the server process over the whole backup.\n")
        w("| engine, mode | runs ok | write IOPS | write p50 | p99 | p99.9 | read p99 | peak fleecing MiB | "
          "fleecing at end MiB | backup s | server CPU s | target == source at start | live disk ≠ target |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for label, name in blabels:
            rs = R(label)
            if not rs:
                continue
            g = lambda d, k: cell(values(rs, "guest", d, k))
            fleece = label.endswith("-fleece")
            if not fleece:
                end = "–"
            elif label.startswith("b-shear"):
                end = cell(values(rs, "fleece_after_bytes", scale=1 / MiB, only_ok=False), 1)
            else:
                end = cell(values(rs, "fleece_last_sample_before_job_end_bytes", scale=1 / MiB, only_ok=False))
            w(f"| {name} | {oks(rs)} | {g('write', 'iops')} | {g('write', 'p50_us')} | {g('write', 'p99_us')} | "
              f"{g('write', 'p99.9_us')} | {g('read', 'p99_us')} | "
              f"{cell(values(rs, 'peak_fleece_bytes', scale=1 / MiB)) if fleece else '–'} | {end} | "
              f"{cell(values(rs, 'backup_s'), 1)} | {cell(values(rs, 'server_cpu_s'), 1)} | {compares(rs)} | "
              f"{negatives(rs)} |")
        w("")
        split = next((r.get("phase_split_s") for l, _ in blabels for r in R(l) if r.get("phase_split_s")), None)
        if split:
            w(f"Where the guest's write latency comes from: percentiles of the first {split:g} s of the guest "
              f"(right after the point in time, when most writes still find their cluster uncopied "
              f"and trigger a copy-before-write) and of the rest, from fio's per-I/O log; and the Shear "
              f"JVM's GC pauses while the guest ran (`-Xlog:gc`). CPU while the guest ran: *engine* = the "
              f"server process (+ the `shear backup` client JVM for Shear), *others* = the machine's busy time "
              f"minus engine, fio and this script (other users of a shared machine), *pressure* = share of the "
              f"time some runnable task waited for a CPU (`/proc/pressure/cpu`).\n")
            w(f"| engine, mode | p99 first {split:g} s | p99 rest | p99.9 first {split:g} s | p99.9 rest | "
              f"max first / rest | GC pauses | GC total ms | longest GC ms | engine CPU s | others' CPU % | "
              f"CPU pressure % |")
            w("|---|---|---|---|---|---|---|---|---|---|---|---|")
            for label, name in blabels:
                rs = R(label)
                if not rs:
                    continue
                ph = lambda which, k: cell(values(rs, "guest_write_phases", which, k))
                mx = (f"{cell(values(rs, 'guest_write_phases', 'early', 'max_us'))} / "
                      f"{cell(values(rs, 'guest_write_phases', 'late', 'max_us'))}")
                gc = (lambda k, d=0: cell(values(rs, "gc_during_guest", k), d)
                      if label.startswith("b-shear") else "n/a")
                w(f"| {name} | {ph('early', 'p99_us')} | {ph('late', 'p99_us')} | {ph('early', 'p99.9_us')} | "
                  f"{ph('late', 'p99.9_us')} | {mx} | {gc('count')} | {gc('total_ms', 1)} | {gc('max_ms', 1)} | "
                  f"{cell(values(rs, 'guest_cpu', 'engine_cpu_s'), 1)} | "
                  f"{cell(values(rs, 'guest_cpu', 'others_cpu_pct'))} | {cell(values(rs, 'guest_psi_cpu_some_pct'))} |")
            w("")

    # ------------------------------------------------------------------ (c)
    clabels = [("c-shear-nofleece", "Shear live backup, no fleecing"), ("c-shear-fleece", "Shear live backup, fleecing"),
               ("c-qemu-nofleece", "QEMU blockdev-backup, no fleecing"), ("c-qemu-fleece", "QEMU blockdev-backup, fleecing")]
    if any(R(l) for l, _ in clabels):
        size = next((r.get("size") for l, _ in clabels for r in R(l)), None)
        w(f"## (c) Unthrottled backup of {p.get('size', '?')}, no guest load\n")
        w("Page cache dropped before each run. Shear backs up a *running* guest (`shear run`, then "
          "`shear backup`; the backup runs in the `shear run` process). *job s*: point in time fixed → "
          "job completed (Shear: its task log; QEMU: `blockdev-backup` returned → `BLOCK_JOB_COMPLETED` "
          "timestamp). Shear writes the archive through the page cache but its job ends with an fsync of "
          "the archive; QEMU writes it with O_DIRECT (qcow2 metadata until the target is closed). As an "
          "independent check, *job + sync s* adds a `sync(2)` issued the moment the job ends (both engines): "
          "until everything is on disk, comparable with the references. MB/s = disk size ÷ seconds. "
          "*done s*: until the backup is closed (QEMU: `blockdev-del` of the target, which flushes it; "
          "Shear: the task ends, which includes closing the archive, a SHA-256 over the whole image "
          "and the manifest). References: the command's wall time including a final `sync`.\n")
        w("| method | runs ok | job s | MB/s (job) | job + sync s | MB/s (on disk) | done s | server CPU s | result |")
        w("|---|---|---|---|---|---|---|---|---|")
        for label, name in clabels:
            rs = R(label)
            if not rs:
                continue
            mbs = [size / v / 1e6 for v in values(rs, "backup_s") if v] if size else []
            mbd = [size / v / 1e6 for v in values(rs, "synced_s") if v] if size else []
            w(f"| {name} | {oks(rs)} | {cell(values(rs, 'backup_s'), 2)} | {cell(mbs)} | "
              f"{cell(values(rs, 'synced_s'), 2)} | {cell(mbd)} | {cell(values(rs, 'done_s'), 2)} | "
              f"{cell(values(rs, 'server_cpu_s'), 1)} | {compares(rs)} |")
        for label, name in (("c-ref-cp", "`cp --sparse=always` + `sync`"),
                            ("c-ref-convert", "`qemu-img convert -O qcow2` + `sync`")):
            rs = R(label)
            if rs:
                mbs = [size / v / 1e6 for v in values(rs, "done_s") if v] if size else []
                w(f"| {name} | {oks(rs)} | – | – | {cell(values(rs, 'done_s'), 2)} | {cell(mbs)} | – | – | reference |")
        w("")

    errs = errors(runs)
    if errs:
        w("## Runs that failed\n")
        for e in errs:
            w(f"* {e}")
        w("")


if __name__ == "__main__":
    main()
