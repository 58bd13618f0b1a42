#!/usr/bin/env python3
"""sbs_run.py - the per-run driver of bench/side-by-side.sh (Python 3 standard library only).

Subcommands (side-by-side.sh calls them; each writes or updates one run's JSON):

  qemu-plain   --qmp SOCK --disk FILE [--cache direct|page]
        Builds the plain export in a running qemu-storage-daemon: raw node on FILE, exported
        writable over NBD as 'scsi0'. Returns once the export exists.

  backup       --engine shear|qemu --mode nofleece|fleece --result FILE [options]
        One backup of a running guest, optionally while fio (guest-load.fio) plays the guest:
          1. starts the backup (Shear: `shear backup` CLI of the guest served by `shear run`;
             QEMU: builds the graph over QMP and runs blockdev-backup);
          2. waits until the point in time is fixed, then starts the guest load;
          3. samples once a second the fleecing image and backup target sizes on disk
             (st_blocks * 512, what `du -B1` prints);
          4. waits for the backup and the guest to end; records timings, fio's latency
             percentiles and the engine process's CPU time.
        The caller compares the target with the source afterwards (`set` below).

  fio          --fio-json FILE --result FILE [--server-pid PID --cpu-before S] [--psi-before JSON]
        Summarises a plain fio run (part a) into FILE.

  cpu          PID           prints the CPU seconds (user + system) PID has used so far.

  psi                        prints the pressure-stall totals (/proc/pressure) and the time, as JSON,
                             for `fio --psi-before`.

  set          FILE KEY=VALUE...   merges values into a run's JSON (VALUE parsed as JSON if it can be;
               FILE is created when missing).

Times in the JSON are seconds; sizes are bytes; latencies are microseconds.
"""
import argparse
import glob
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time


# --------------------------------------------------------------------------- small helpers

def disk_bytes(path):
    """Bytes allocated on disk (du -B1), 0 when the file does not exist."""
    try:
        return os.stat(path).st_blocks * 512
    except FileNotFoundError:
        return 0


def disk_bytes_glob(pattern):
    return sum(disk_bytes(p) for p in glob.glob(pattern)) if pattern else 0


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` (all its threads), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks   # utime, stime (fields 14, 15 of stat)


def all_cpu():
    """{pid: CPU seconds} of every process now (precise per-task accounting; /proc/stat's
    tick-sampled totals undercount bursty I/O servers badly on this kind of VM)."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            c = cpu_seconds(int(name))
            if c is not None:
                out[int(name)] = c
    return out


def others_cpu(before, after, exclude):
    """CPU seconds used between two `all_cpu()` snapshots by processes alive at the second one,
    except `exclude` (a process that started in between counts from 0; one that ended in between
    is missed, so this is a lower bound)."""
    return sum(c - before.get(pid, 0.0) for pid, c in after.items() if pid not in exclude)


def fio_cpu_seconds(fio_json):
    """CPU seconds fio's jobs used (their usr_cpu + sys_cpu percentages of each job's runtime)."""
    with open(fio_json) as f:
        text = f.read()
    j = json.loads(text[text.index("{"):])
    return sum((job["usr_cpu"] + job["sys_cpu"]) / 100 * job["job_runtime"] / 1e3 for job in j["jobs"])


class CpuWindow:
    """Who used the CPUs during a measurement: the engine (the server process and its helpers),
    fio, and other processes (other users of a shared machine; a lower bound, see others_cpu)."""

    def __init__(self, pids):
        self.pids = [p for p in pids if p]
        self.start = self._snap()

    def _snap(self):
        return {"t": time.monotonic(), "all": all_cpu()}

    def stop(self):
        self.end = self._snap()

    def result(self, fio_json):
        end, start = self.end, self.start
        wall = end["t"] - start["t"]
        capacity = wall * (os.cpu_count() or 1)
        ours = sum(end["all"].get(p, start["all"].get(p, 0.0)) - start["all"].get(p, 0.0) for p in self.pids)
        others = others_cpu(start["all"], end["all"], set(self.pids) | {os.getpid(), os.getppid()})
        return {"wall_s": round(wall, 2), "engine_cpu_s": round(ours, 2),
                "fio_cpu_s": round(fio_cpu_seconds(fio_json), 2),
                "others_cpu_pct": round(100 * others / capacity, 1)}


def psi():
    """Pressure-stall totals in seconds: {'cpu_some': .., 'io_some': .., 'io_full': ..} ({} without PSI)."""
    out = {}
    for res in ("cpu", "io"):
        try:
            with open(f"/proc/pressure/{res}") as f:
                for line in f:
                    kind, *fields = line.split()
                    total = dict(x.split("=") for x in fields)["total"]
                    out[f"{res}_{kind}"] = int(total) / 1e6
        except (OSError, KeyError, ValueError):
            pass
    return out


def psi_delta(before, seconds, now=None, prefix="psi_"):
    """Share of `seconds` during which some (or all, 'full') runnable tasks waited for CPU / I/O, in %."""
    now = now or psi()
    return {f"{prefix}{k}_pct": round(100 * (now[k] - before[k]) / seconds, 1)
            for k in ("cpu_some", "io_some", "io_full") if k in now and k in before and seconds > 0}


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def fio_summary(path):
    """{'write': {...}, 'read': {...}} from fio's JSON output: IOPS, I/O count, clat percentiles (µs)."""
    with open(path) as f:
        text = f.read()
    # fio may print notes before the JSON document
    j = json.loads(text[text.index("{"):])
    out = {}
    for job in j["jobs"]:
        if job.get("error"):
            out.setdefault("errors", []).append(f"{job['jobname']}: error {job['error']}")
        for d in ("write", "read"):
            x = job[d]
            if not x["total_ios"]:
                continue
            pct = x["clat_ns"].get("percentile", {})
            def p(key):
                return round(pct[key] / 1e3, 1) if key in pct else None
            out[d] = {"job": job["jobname"], "iops": round(x["iops"], 1), "ios": x["total_ios"],
                      "runtime_s": round(job["job_runtime"] / 1e3, 2) if "job_runtime" in job else None,
                      "clat_mean_us": round(x["clat_ns"]["mean"] / 1e3, 1),
                      "clat_max_us": round(x["clat_ns"]["max"] / 1e3, 1),
                      "p50_us": p("50.000000"), "p90_us": p("90.000000"), "p99_us": p("99.000000"),
                      "p99.9_us": p("99.900000"), "p99.99_us": p("99.990000")}
    return out


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def qemu_img_create(path, size):
    if os.path.exists(path):
        os.remove(path)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, str(size)], check=True, timeout=60)


# --------------------------------------------------------------------------- QMP

class QmpError(Exception):
    pass


class Qmp:
    """A minimal QMP client on a unix socket: commands, and the events that arrive meanwhile."""

    def __init__(self, path, connect_timeout=15):
        deadline = time.monotonic() + connect_timeout
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QmpError(f"no QMP monitor answers on {path}")
                time.sleep(0.05)
        self.pending = b""
        self.events = []
        self.last_id = 0
        if self._message(connect_timeout) is None:
            raise QmpError("no QMP greeting")
        self.execute("qmp_capabilities")

    def _message(self, timeout):
        """The next JSON message, or None when none arrives within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left < 0 or not select.select([self.sock], [], [], max(left, 0))[0]:
                return None
            chunk = self.sock.recv(65536)
            if not chunk:
                raise QmpError("the QMP monitor closed the connection")
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, arguments=None, check=True, timeout=120):
        self.last_id += 1
        request = {"execute": command, "id": self.last_id}
        if arguments is not None:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            m = self._message(timeout)
            if m is None:
                raise QmpError(f"{command}: no answer within {timeout} s")
            if "event" in m:
                self.events.append(m)
            elif m.get("id") == self.last_id:
                if "error" in m:
                    if check:
                        raise QmpError(f"{command} {json.dumps(arguments)}: {m['error'].get('desc', m['error'])}")
                    return m
                return m.get("return")

    def wait_events(self, timeout):
        """Collects events arriving within `timeout` seconds (returns early after the first)."""
        m = self._message(timeout)
        while m is not None:
            if "event" in m:
                self.events.append(m)
            m = self._message(0)

    def take(self, *names):
        hits = [e for e in self.events if e["event"] in names]
        self.events = [e for e in self.events if e["event"] not in names]
        return hits


def qemu_file(path, cache):
    node = {"driver": "file", "filename": path}
    if cache == "direct":
        node.update({"cache": {"direct": True, "no-flush": False}, "aio": "native"})
    else:
        node.update({"cache": {"direct": False, "no-flush": False}, "aio": "threads"})
    return node


def qemu_format(driver, name, path, cache, **extra):
    node = {"driver": driver, "node-name": name, "file": qemu_file(path, cache),
            "cache": {"direct": cache == "direct", "no-flush": False}}
    node.update(extra)
    return node


def cmd_qemu_plain(a):
    q = Qmp(a.qmp)
    q.execute("blockdev-add", qemu_format("raw", "disk0", a.disk, a.cache))
    q.execute("block-export-add", {"type": "nbd", "id": "exp0", "node-name": "disk0", "name": "scsi0",
                                   "writable": True})


# --------------------------------------------------------------------------- one backup run

class Guest:
    """fio playing the guest (guest-load.fio), started once the point in time is fixed."""

    def __init__(self, a):
        self.a = a
        self.proc = None
        self.started = self.ended = None
        self.rc = None

    def start(self):
        a = self.a
        if a.guest_runtime <= 0:
            return
        env = dict(os.environ, NBD_URI=a.nbd_uri, RUNTIME=str(a.guest_runtime),
                   WRITE_IOPS=str(a.write_iops), READ_IOPS=str(a.read_iops),
                   WRITE_QD=str(a.write_qd), READ_QD=str(a.read_qd))
        self.err = open(a.fio_json + ".stderr", "w")
        cmd = ["fio", a.fio_job, "--output-format=json", "--output", a.fio_json]
        if a.phase_split:
            # per-I/O completion latencies, for the percentiles of the early and late phase
            self.lat_prefix = a.fio_json + ".lat"
            for old in glob.glob(self.lat_prefix + "_*.log"):
                os.remove(old)
            cmd += [f"--write_lat_log={self.lat_prefix}", "--log_avg_msec=0"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=self.err)
        self.started = time.time()

    def running(self):
        if self.proc is None or self.rc is not None:
            return False
        rc = self.proc.poll()
        if rc is None:
            return True
        self.rc, self.ended = rc, time.time()
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class ShearBackup:
    """`shear backup VMID` of a guest that `shear run` serves; the backup runs in that process."""

    def __init__(self, a):
        self.a = a
        self.proc = None
        self.tasks = os.path.join(a.root, "tasks")
        self.task_log = None

    def start(self):
        a = self.a
        known = set(os.listdir(self.tasks))
        cmd = [a.shear, "--root", a.root, "backup", str(a.vmid), "--storage", a.backup_storage, "--output", "json"]
        if a.mode == "fleece":
            cmd += ["--fleecing", f"enabled=1,storage={a.fleece_storage}"]
        cmd += a.shear_backup_arg or []
        self.out_path = os.path.join(a.tmp or os.path.dirname(a.result), "shear-backup.out")
        self.out = open(self.out_path, "w")
        self.cmd_started = time.time()
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT)
        marker = f":backup:{a.vmid}:"
        deadline = time.monotonic() + 120
        while self.task_log is None:
            for name in set(os.listdir(self.tasks)) - known:
                path = os.path.join(self.tasks, name)
                if marker in name and "point in time fixed" in open(path, errors="replace").read():
                    self.task_log = path
            if self.task_log:
                break
            if self.proc.poll() is not None:
                raise RuntimeError("shear backup ended before fixing the point in time: " + self.output())
            if time.monotonic() > deadline:
                raise RuntimeError("shear backup did not fix the point in time within 120 s")
            time.sleep(0.02)
        with open(self.task_log, errors="replace") as f:
            for line in f:
                if "point in time fixed" in line:
                    return parse_instant(line.split(" ", 1)[0])
        return time.time()

    def client_pid(self):
        """The `shear backup` client JVM (it streams the backup's events while the guest runs)."""
        return self.proc.pid if self.proc is not None else None

    def output(self):
        self.out.flush()
        with open(self.out_path) as f:
            return f.read()[-3000:]

    def poll(self, timeout):
        """True once the task log says the job ended (or the `shear backup` command has ended)."""
        deadline = time.monotonic() + timeout
        while True:
            with open(self.task_log, errors="replace") as f:
                text = f.read()
            if re.search(r"^\S+ \S+: (completed|failed|cancelled)", text, re.M) or "TASK " in text:
                return True
            if self.proc.poll() is not None:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))

    def finish(self, res):
        try:
            self.proc.wait(600)
        except subprocess.TimeoutExpired:
            raise RuntimeError("shear backup did not end within 600 s after its job")
        res["command_s"] = round(time.time() - self.cmd_started, 3)
        res["command_rc"] = self.proc.returncode
        text = self.output()
        try:
            outcome = json.loads(text[text.index("["):])[0]
        except (ValueError, IndexError):
            raise RuntimeError("shear backup printed no JSON outcome: " + text)
        res["shear_outcome"] = outcome
        events = {}
        with open(self.task_log, errors="replace") as f:
            for line in f:
                stamp, _, msg = line.rstrip("\n").partition(" ")
                t = parse_instant(stamp)
                for key, needle in (("pit", "point in time fixed"), ("job_started", ": running"),
                                    ("job_completed", ": completed"), ("fleece_removed", "removed fleecing image"),
                                    ("hashed", ": sha256 "), ("task_end", "TASK ")):
                    if needle in msg and key not in events:
                        events[key] = t
        res["task_log"] = os.path.basename(self.task_log)
        res["task_events"] = events
        if "job_completed" in events:
            res["backup_s"] = round(events["job_completed"] - events["pit"], 3)
            res["job_end_epoch"] = events["job_completed"]
        if "task_end" in events:
            res["done_s"] = round(events["task_end"] - events["pit"], 3)
        res["archive"] = outcome.get("archive")
        if not outcome.get("ok"):
            raise RuntimeError("shear backup failed: " + str(outcome.get("error")))

    def abort(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def phase_percentiles(lat_prefix, split_s):
    """Write clat p50/p99/p99.9 (µs) before and after `split_s` seconds of the guest's run, from
    fio's per-I/O log of the guest-write job (`<prefix>_clat.1.log`: msec, nsec, ddir, ...)."""
    early, late = [], []
    path = lat_prefix + "_clat.1.log"
    with open(path) as f:
        for line in f:
            fields = line.split(",")
            if int(fields[2]) != 1:              # 1 = write
                continue
            (early if int(fields[0]) < split_s * 1000 else late).append(int(fields[1]) / 1e3)
    out = {}
    for name, xs in (("early", early), ("late", late)):
        xs.sort()
        if xs:
            pick = lambda q: round(xs[min(len(xs) - 1, int(q * len(xs)))], 1)
            out[name] = {"ios": len(xs), "p50_us": pick(0.50), "p99_us": pick(0.99), "p99.9_us": pick(0.999),
                         "max_us": round(xs[-1], 1)}
    for old in glob.glob(lat_prefix + "_*.log"):
        os.remove(old)
    return out


def gc_pauses(path, start, end):
    """JVM pauses logged (-Xlog:gc:file=PATH:utctime) between epoch `start` and `end`."""
    pauses = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.match(r"\[(\S+)\] GC\(\d+\) (Pause .*?) (\d+\.\d+)ms$", line.strip())
                if not m:
                    continue
                stamp = m.group(1)
                t = parse_instant(stamp[:23] + "Z") - tz_seconds(stamp[23:])
                if start <= t <= end:
                    pauses.append(float(m.group(3)))
    except FileNotFoundError:
        return None
    return {"count": len(pauses), "total_ms": round(sum(pauses), 1), "max_ms": round(max(pauses, default=0), 1)}


def tz_seconds(suffix):
    """+0000 / +01:00 / Z -> seconds east of UTC."""
    m = re.match(r"([+-])(\d\d):?(\d\d)", suffix or "")
    if not m:
        return 0
    return (1 if m.group(1) == "+" else -1) * (int(m.group(2)) * 3600 + int(m.group(3)) * 60)


def parse_instant(stamp):
    """Epoch seconds of an ISO-8601 UTC instant like 2026-11-27T19:03:17.348Z."""
    from datetime import datetime, timezone
    s = stamp.rstrip("Z")
    if "." in s:
        head, frac = s.split(".", 1)
        s = head + "." + (frac + "000000")[:6]
        fmt = "%Y-%m-%dT%H:%M:%S.%f"
    else:
        fmt = "%Y-%m-%dT%H:%M:%S"
    return datetime.strptime(s, fmt).replace(tzinfo=timezone.utc).timestamp()


class QemuBackup:
    """blockdev-backup in qemu-storage-daemon, graph built over QMP (the peer study's layout)."""

    def __init__(self, a):
        self.a = a
        self.q = None
        self.done = False
        self.event = None

    def start(self):
        a, res = self.a, self.res
        q = self.q = Qmp(a.qmp)
        q.execute("blockdev-add", qemu_format("raw", "src", a.disk, a.cache))
        if a.mode == "fleece":
            qemu_img_create(a.fleece_file, a.size)
            q.execute("blockdev-add", qemu_format("qcow2", "fl", a.fleece_file, a.cache, discard="unmap"))
            q.execute("blockdev-add", {"driver": "copy-before-write", "node-name": "cbw", "file": "src",
                                       "target": "fl", "on-cbw-error": "break-snapshot"})
            q.execute("blockdev-add", {"driver": "snapshot-access", "node-name": "acc", "file": "cbw"})
            exported, source = "cbw", "acc"
        else:
            exported, source = "src", "src"
        qemu_img_create(a.target_file, a.size)
        q.execute("blockdev-add", qemu_format("qcow2", "tgt", a.target_file, a.cache))
        target = "tgt"
        if a.target_bps:
            q.execute("object-add", {"qom-type": "throttle-group", "id": "tg0",
                                     "limits": {"bps-write": a.target_bps}})
            q.execute("blockdev-add", {"driver": "throttle", "node-name": "tgt-thr", "throttle-group": "tg0",
                                       "file": "tgt"})
            target = "tgt-thr"
        q.execute("block-export-add", {"type": "nbd", "id": "exp0", "node-name": exported, "name": "scsi0",
                                       "writable": True})
        job = {"job-id": "bk", "device": source, "target": target, "sync": "full"}
        if a.mode == "nofleece":
            # blockdev-backup puts its own CBW filter above src; every parent of src, the NBD
            # export included, moves onto it, so guest writes pass through it.
            job["filter-node-name"] = "bk-cbw"
        if a.max_chunk:
            job["x-perf"] = {"max-chunk": a.max_chunk}
        res["blockdev_backup"] = job
        res["exported_node"] = exported
        q.execute("blockdev-backup", job)
        return time.time()

    def client_pid(self):
        return None

    def poll(self, timeout):
        if self.done:
            return True
        self.q.wait_events(timeout)
        for e in self.q.take("BLOCK_JOB_ERROR"):
            self.res.setdefault("job_errors", []).append(e["data"])
        for e in self.q.take("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"):
            if e["data"].get("device") == "bk":
                self.done = True
                self.event = e
                self.event_received = time.time()
        return self.done

    def finish(self, res):
        e = self.event
        d = e["data"]
        ts = e.get("timestamp", {})
        end = ts["seconds"] + ts["microseconds"] / 1e6 if ts else self.event_received
        res["job_event"] = e
        res["job_end_epoch"] = end
        res["backup_s"] = round(end - res["pit_epoch"], 3)
        ok = e["event"] == "BLOCK_JOB_COMPLETED" and "error" not in d and d.get("offset") == d.get("len")
        # closing the target flushes it (qcow2 metadata); only then is the backup on disk
        for node in (["tgt-thr"] if self.a.target_bps else []) + ["tgt"]:
            for _ in range(200):
                r = self.q.execute("blockdev-del", {"node-name": node}, check=False)
                if not (isinstance(r, dict) and "error" in r):
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError(f"blockdev-del {node}: {r['error']}")
        res["done_s"] = round(time.time() - res["pit_epoch"], 3)
        if not ok:
            raise RuntimeError("backup job did not complete: " + json.dumps(d))

    def abort(self):
        if self.q is not None and not self.done:
            self.q.execute("block-job-cancel", {"device": "bk", "force": True}, check=False)


def abort(engine, res):
    """Stops a backup that is still running; a failure to do so is recorded, not raised."""
    try:
        engine.abort()
    except Exception as e:
        res.setdefault("cleanup_errors", []).append(f"{type(e).__name__}: {e}")


def cmd_backup(a):
    res = {"engine": a.engine, "mode": a.mode, "size": a.size, "guest_runtime": a.guest_runtime,
           "target_bps": a.target_bps, "ok": False, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "loadavg_start": loadavg()}
    res.update(json.loads(a.extra or "{}"))
    engine = ShearBackup(a) if a.engine == "shear" else QemuBackup(a)
    engine.res = res
    guest = Guest(a)
    fleece_path = a.fleece_file
    samples = []
    cpu0 = cpu_seconds(a.server_pid) if a.server_pid else None
    psi0, wall0 = psi(), time.monotonic()
    try:
        pit = engine.start()
        res["pit_epoch"] = pit
        guest.start()
        psi_guest = window = None
        if guest.started:
            res["guest_start_s"] = round(guest.started - pit, 3)
            psi_guest = psi()
            window = CpuWindow([a.server_pid, engine.client_pid()])
        deadline = time.monotonic() + a.max_wait
        next_sample = time.monotonic()
        job_done = False
        while True:
            now = time.monotonic()
            if now >= next_sample:
                samples.append([round(time.time() - pit, 2), disk_bytes(fleece_path),
                                disk_bytes_glob(a.target_glob), int(guest.running())])
                next_sample += a.interval
            if not job_done:
                job_done = engine.poll(max(0.0, min(next_sample - time.monotonic(), 0.25)))
                if job_done and a.sync_at_end:
                    # time until everything written is on disk; Shear writes through the page
                    # cache, QEMU (cache.direct=on) does not: compare both the same way
                    t = time.time()
                    os.sync()
                    res["sync_call_s"] = round(time.time() - t, 3)
                    res["synced_s"] = round(time.time() - pit, 3)
            else:
                time.sleep(max(0.0, min(next_sample - time.monotonic(), 0.25)))
            if psi_guest is not None and not guest.running():
                # CPU / I/O pressure while the guest ran: how noisy the machine was for its latencies
                res.update(psi_delta(psi_guest, guest.ended - guest.started, prefix="guest_psi_"))
                psi_guest = None
                window.stop()
            if job_done and not guest.running():
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"not finished within {a.max_wait} s")
        samples.append([round(time.time() - pit, 2), disk_bytes(fleece_path), disk_bytes_glob(a.target_glob), 0])
        engine.finish(res)
        if guest.proc is not None:
            res["guest_end_s"] = round(guest.ended - pit, 3)
            res["fio_rc"] = guest.rc
            res["guest"] = fio_summary(a.fio_json)
            if guest.rc != 0 or "errors" in res["guest"]:
                raise RuntimeError(f"fio exited with {guest.rc}: " + open(a.fio_json + ".stderr").read()[-1000:])
            if window is not None and hasattr(window, "end"):
                res["guest_cpu"] = window.result(a.fio_json)
            if a.phase_split:
                res["guest_write_phases"] = phase_percentiles(guest.lat_prefix, a.phase_split)
                res["phase_split_s"] = a.phase_split
            if a.gc_log:
                res["gc_during_guest"] = gc_pauses(a.gc_log, guest.started, guest.ended)
        if a.gc_log:
            res["gc_during_backup"] = gc_pauses(a.gc_log, pit, res.get("job_end_epoch", time.time()))
        res["ok"] = True
    except Exception as e:            # recorded in the run's JSON; the suite goes on
        res["error"] = f"{type(e).__name__}: {e}"
        abort(engine, res)
    finally:
        if not res["ok"] and "error" not in res:
            res["error"] = "interrupted"
            abort(engine, res)
        guest.stop()
        if a.engine == "shear" and engine.proc is not None:
            abort(engine, res)             # a no-op when `shear backup` has ended
        res["samples"] = samples
        res["peak_fleece_bytes"] = max([s[1] for s in samples] or [0])
        if "job_end_epoch" in res:
            before_end = [s[1] for s in samples if s[0] < res["job_end_epoch"] - res["pit_epoch"]]
            res["fleece_last_sample_before_job_end_bytes"] = before_end[-1] if before_end else None
        # measured after everything above: Shear removes its fleecing image at the end,
        # QEMU 7.2 keeps it (the script deletes it after the run)
        res["fleece_after_bytes"] = disk_bytes(fleece_path)
        res["fleece_file_exists_after"] = os.path.exists(fleece_path)
        res["target_bytes"] = disk_bytes_glob(a.target_glob)
        if cpu0 is not None:
            cpu1 = cpu_seconds(a.server_pid)
            res["server_cpu_s"] = round(cpu1 - cpu0, 2) if cpu1 is not None else None
        res["loadavg_end"] = loadavg()
        res.update(psi_delta(psi0, time.monotonic() - wall0))
        write_json(a.result, res)
    print(f"  {os.path.basename(a.result)}: ok={res['ok']} backup={res.get('backup_s')} s "
          f"peak_fleece={res['peak_fleece_bytes'] / 2**20:.0f} MiB"
          + (f" guest write {res['guest']['write']['iops']:.0f} IOPS p99={res['guest']['write']['p99_us']} us"
             if "guest" in res and "write" in res["guest"] else "")
          + (f" ERROR {res['error']}" if "error" in res else ""), flush=True)
    return 0 if res["ok"] else 1


# --------------------------------------------------------------------------- others

def cmd_fio(a):
    res = json.loads(a.extra or "{}")
    res.update({"ok": False, "loadavg_end": loadavg()})
    try:
        res["fio"] = fio_summary(a.fio_json)
        res["ok"] = "errors" not in res["fio"] and "write" in res["fio"]
    except (OSError, ValueError, KeyError) as e:
        res["error"] = f"fio output {a.fio_json}: {e}"
    if a.psi_before:
        before = json.loads(a.psi_before)
        res.update(psi_delta(before, time.time() - before["time"]))
        if a.gc_log:
            res["gc_during_run"] = gc_pauses(a.gc_log, before["time"], time.time())
        if "cpu" in before and a.server_pid and "fio" in res:
            wall = time.time() - before["time"]
            capacity = wall * (os.cpu_count() or 1)
            others = others_cpu({int(k): v for k, v in before["cpu"].items()}, all_cpu(),
                                {a.server_pid, os.getpid(), os.getppid()})
            res["run_cpu"] = {"wall_s": round(wall, 2), "fio_cpu_s": round(fio_cpu_seconds(a.fio_json), 2),
                              "others_cpu_pct": round(100 * others / capacity, 1)}
    if a.server_pid and a.cpu_before is not None:
        cpu = cpu_seconds(a.server_pid)
        res["server_cpu_s"] = round(cpu - a.cpu_before, 2) if cpu is not None else None
    write_json(a.result, res)
    w = res.get("fio", {}).get("write", {})
    print(f"  {os.path.basename(a.result)}: ok={res['ok']} IOPS={w.get('iops')} p99={w.get('p99_us')} us "
          f"cpu={res.get('server_cpu_s')} s" + (f" ERROR {res['error']}" if "error" in res else ""), flush=True)
    return 0 if res["ok"] else 1


def cmd_set(a):
    res = {}
    if os.path.exists(a.file):
        with open(a.file) as f:
            res = json.load(f)
    for kv in a.pairs:
        k, _, v = kv.partition("=")
        try:
            res[k] = json.loads(v)
        except ValueError:
            res[k] = v
    write_json(a.file, res)


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # run the finally blocks, stop children
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("qemu-plain")
    s.add_argument("--qmp", required=True)
    s.add_argument("--disk", required=True)
    s.add_argument("--cache", choices=["direct", "page"], default="direct")

    s = sub.add_parser("backup")
    s.add_argument("--engine", choices=["shear", "qemu"], required=True)
    s.add_argument("--mode", choices=["nofleece", "fleece"], required=True)
    s.add_argument("--result", required=True)
    s.add_argument("--extra", help="JSON object merged into the result (labels)")
    s.add_argument("--tmp", help="directory for scratch files (default: the result's)")
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--nbd-uri")
    s.add_argument("--guest-runtime", type=int, default=0)
    s.add_argument("--write-iops", type=int, default=2000)
    s.add_argument("--read-iops", type=int, default=500)
    s.add_argument("--write-qd", type=int, default=16)
    s.add_argument("--read-qd", type=int, default=4)
    s.add_argument("--fio-job")
    s.add_argument("--fio-json")
    s.add_argument("--fleece-file", help="fleecing image to sample")
    s.add_argument("--target-glob", help="backup target file(s) to sample")
    s.add_argument("--server-pid", type=int)
    s.add_argument("--max-wait", type=float, default=600)
    s.add_argument("--interval", type=float, default=1.0)
    s.add_argument("--sync-at-end", action="store_true", help="sync(2) as soon as the job ends and time it")
    s.add_argument("--phase-split", type=float, default=0,
                   help="also report guest write percentiles before / after this many seconds")
    s.add_argument("--gc-log", help="the Shear JVM's -Xlog:gc file (utctime decorations): count its pauses")
    # Shear
    s.add_argument("--shear")
    s.add_argument("--root")
    s.add_argument("--vmid", type=int)
    s.add_argument("--backup-storage", default="backup")
    s.add_argument("--fleece-storage", default="fast")
    s.add_argument("--shear-backup-arg", action="append", help="extra `shear backup` argument (repeatable)")
    # QEMU
    s.add_argument("--qmp")
    s.add_argument("--disk")
    s.add_argument("--target-file")
    s.add_argument("--target-bps", type=int, default=0)
    s.add_argument("--max-chunk", type=int, default=0)
    s.add_argument("--cache", choices=["direct", "page"], default="direct")

    s = sub.add_parser("fio")
    s.add_argument("--fio-json", required=True)
    s.add_argument("--result", required=True)
    s.add_argument("--extra")
    s.add_argument("--server-pid", type=int)
    s.add_argument("--cpu-before", type=float)
    s.add_argument("--psi-before", help="output of `sbs_run.py psi` taken before the run")
    s.add_argument("--gc-log", help="the Shear JVM's -Xlog:gc file: count its pauses during the run")

    sub.add_parser("psi")

    s = sub.add_parser("cpu")
    s.add_argument("pid", type=int)

    s = sub.add_parser("set")
    s.add_argument("file")
    s.add_argument("pairs", nargs="+")

    a = p.parse_args()
    if a.cmd == "qemu-plain":
        return cmd_qemu_plain(a)
    if a.cmd == "backup":
        return cmd_backup(a)
    if a.cmd == "fio":
        return cmd_fio(a)
    if a.cmd == "psi":
        print(json.dumps(dict(psi(), time=time.time(), cpu={str(k): v for k, v in all_cpu().items()})))
        return 0
    if a.cmd == "cpu":
        print(cpu_seconds(a.pid))
        return 0
    if a.cmd == "set":
        return cmd_set(a)
    return 2


if __name__ == "__main__":
    sys.exit(main())
