#!/usr/bin/env bash
# side-by-side.sh - Shear and QEMU 7.2 (qemu-storage-daemon) measured in one run, on the same
# machine, the same image files and with the same client (fio --ioengine=nbd). Issue 5.
#
#   (a) plain export: fio 4 KiB randwrite, iodepth 16, no rate limit, A_RUNTIME s.
#       Shear (`shear run`), QEMU as in the peer study (cache.direct=on, aio=native) and,
#       for reference, QEMU through the page cache (cache.direct=off, aio=threads) as Shear
#       does. IOPS, clat percentiles, the server's CPU seconds.
#   (b) guest latency during a backup whose *target* is throttled to TARGET_BPS (Shear:
#       SHEAR_X_TARGET_BPS, QEMU: throttle-group bps-write + throttle node), without and with
#       fleecing, while guest-load.fio writes 2000 and reads 500 4 KiB IOPS for GUEST s.
#       The throttle stays on until the backup ends, for both engines (Shear cannot lift it at
#       run time), so a run takes B_SIZE / TARGET_BPS; that is why (b) uses a smaller disk
#       (B_SIZE, default 1 GiB) than (a) and (c). Fleecing image sampled once a second.
#   (c) unthrottled backup of SIZE with no guest: Shear backs up a *running* guest (`shear run`
#       + `shear backup`), QEMU runs blockdev-backup; both without and with fleecing. References:
#       `cp --sparse=always` + sync and `qemu-img convert -O qcow2` + sync. Caches dropped first.
#   Engines alternate within each repetition (ABBA order), so drift hits both alike. Every
#   backup is checked with `qemu-img compare` against the golden image (the disk at backup
#   start), plus a negative control (the live disk after the guest wrote must differ).
#
# Usage: bench/side-by-side.sh [options]
#   --quick            1 rep, 512 MiB everywhere, 10 s guest, 10 s plain fio (a few minutes)
#   --reps N           repetitions (default 3)
#   --size SIZE        disk for (a) and (c) (default 2G)
#   --b-size SIZE      disk for (b) (default 1G)
#   --guest S          guest load seconds in (b) (default 30)
#   --a-runtime S      fio seconds per run in (a) (default 20)
#   --target-bps RATE  backup target throttle in (b) (default 20M = 20 MiB/s)
#   --parts LIST       which parts to run, e.g. ab (default abc)
#   --qemu-max-chunk N x-perf max-chunk for QEMU's backups (default 0 = QEMU's default;
#                      64K is the workaround for QEMU 7.2's fleecing consistency bug)
#   --scratch DIR      scratch directory (default /var/tmp/shear-sbs); must be new, empty, or
#                      an earlier scratch of this script. Removed on exit unless --keep.
#   --results DIR      per-run JSON (default docs/benchmarks/side-by-side-DATE, --quick:
#                      /var/tmp/shear-sbs-quick-STAMP); the summary goes to DIR.md
#   --port-shear P --port-qemu P   NBD ports on 127.0.0.1 (default 10900, 10910)
#   --keep             keep the scratch directory
# Environment: SHEAR_JAVA_OPTS is passed to the Shear JVM (e.g. -Xlog:gc:file=/tmp/gc.log).
# Needs: bash, python3, qemu-utils, qemu-system-x86 (qemu-storage-daemon 7.2), fio, libnbd-bin,
# gcc, a JDK 25 + Maven for ./shear; root to drop the page cache (skipped otherwise, noted).
# Exit status: 0 all runs completed (whatever the compare results), 1 a run failed, 2 usage.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SHEAR="$REPO/shear"
RUN="$HERE/sbs_run.py"

REPS=3 SIZE=2G B_SIZE=1G GUEST=30 A_RUNTIME=20 TARGET_BPS=20M PARTS=abc QEMU_MAX_CHUNK=0
SCRATCH=/var/tmp/shear-sbs RESULTS= PORT_SHEAR=10900 PORT_QEMU=10910 KEEP=0 QUICK=0

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; REPS=1; SIZE=512M; B_SIZE=512M; GUEST=10; A_RUNTIME=10; shift;;
        --reps) REPS=$2; shift 2;;
        --size) SIZE=$2; shift 2;;
        --b-size) B_SIZE=$2; shift 2;;
        --guest) GUEST=$2; shift 2;;
        --a-runtime) A_RUNTIME=$2; shift 2;;
        --target-bps) TARGET_BPS=$2; shift 2;;
        --parts) PARTS=$2; shift 2;;
        --qemu-max-chunk) QEMU_MAX_CHUNK=$2; shift 2;;
        --scratch) SCRATCH=$2; shift 2;;
        --results) RESULTS=$2; shift 2;;
        --port-shear) PORT_SHEAR=$2; shift 2;;
        --port-qemu) PORT_QEMU=$2; shift 2;;
        --keep) KEEP=1; shift;;
        -h|--help) usage; exit 0;;
        *) echo "side-by-side.sh: unknown option '$1' (see --help)" >&2; exit 2;;
    esac
done

die() { echo "side-by-side.sh: $*" >&2; exit 2; }
bytes() { numfmt --from=iec "$1" 2>/dev/null || die "not a size: '$1' (e.g. 512M, 2G)"; }
SIZE_B=$(bytes "$SIZE"); B_SIZE_B=$(bytes "$B_SIZE"); TARGET_BPS_B=$(bytes "$TARGET_BPS")
QEMU_MAX_CHUNK_B=$(bytes "$QEMU_MAX_CHUNK")
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer, not '$REPS'"
[[ "$GUEST" =~ ^[1-9][0-9]*$ ]] || die "--guest must be a positive number of seconds, not '$GUEST'"
[[ "$A_RUNTIME" =~ ^[1-9][0-9]*$ ]] || die "--a-runtime must be a positive number of seconds, not '$A_RUNTIME'"
[[ "$PARTS" =~ ^[abc]+$ ]] || die "--parts takes letters from abc, not '$PARTS'"
[ "$TARGET_BPS_B" -gt 0 ] || die "--target-bps must be more than 0"
for s in "$SIZE_B" "$B_SIZE_B"; do
    [ $((s % 1048576)) = 0 ] && [ "$s" -ge 67108864 ] || die "disk sizes must be whole MiB, at least 64M"
done
for t in qemu-img qemu-storage-daemon fio nbdinfo gcc python3 numfmt; do
    command -v "$t" >/dev/null || die "'$t' is missing (apt-get install qemu-system-x86 qemu-utils fio libnbd-bin gcc)"
done
[ "$PORT_SHEAR" != "$PORT_QEMU" ] || die "--port-shear and --port-qemu must differ"

# ------------------------------------------------------------------------------ scratch + cleanup
MARK=.shear-sbs-scratch
if [ -e "$SCRATCH" ] && [ ! -e "$SCRATCH/$MARK" ] && [ -n "$(ls -A "$SCRATCH" 2>/dev/null)" ]; then
    die "scratch '$SCRATCH' exists and is not an earlier scratch of this script; choose another with --scratch"
fi
STAMP=$(date +%Y-%m-%d)
if [ -z "$RESULTS" ]; then
    if [ "$QUICK" = 1 ]; then RESULTS=/var/tmp/shear-sbs-quick-$(date +%Y%m%d-%H%M%S)
    else RESULTS="$REPO/docs/benchmarks/side-by-side-$STAMP"
         [ -e "$RESULTS" ] && RESULTS="$RESULTS-$(date +%H%M)"; fi
fi
MD="$RESULTS.md"

SHEAR_PID= QSD_PID= CHILD_PID=
stop_pid() { # pid [grace seconds]: TERM, wait, KILL; only this PID
    local pid=$1 grace=${2:-15} i
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "  (pid $pid ignored SIGTERM for ${grace}s; SIGKILL)" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$CHILD_PID" 20      # the driver stops its own fio / shear backup children
    stop_pid "$SHEAR_PID"
    stop_pid "$QSD_PID"
    if [ "$KEEP" = 0 ] && [ -e "$SCRATCH/$MARK" ]; then rm -rf "$SCRATCH"; fi
    [ "$rc" = 0 ] || echo "side-by-side.sh: stopped (status $rc); per-run results so far in $RESULTS" >&2
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH" "$RESULTS"
touch "$SCRATCH/$MARK"
ROOT="$SCRATCH/root" LOCAL="$SCRATCH/local" FAST="$SCRATCH/fast" BACKUP="$SCRATCH/backup"
QDIR="$SCRATCH/qemu" TMP="$SCRATCH/tmp"
mkdir -p "$ROOT" "$LOCAL" "$FAST" "$BACKUP" "$QDIR" "$TMP" "$BACKUP/qemu"
QMP="$QDIR/qmp.sock" GC_LOG="$TMP/shear-gc.log"
log() { echo "[$(date +%T)] $*"; }

# Runs a command in the background and waits, so INT/TERM reach the trap at once.
child() { local rc=0; "$@" & CHILD_PID=$!; wait "$CHILD_PID" || rc=$?; CHILD_PID=; return "$rc"; }

DROP_NOTE="caches dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every run"
drop_caches() {
    sync
    if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches
    else DROP_NOTE="NOT root: the page cache could not be dropped"; fi
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port_free() {
    local i
    for ((i = 0; i < 100; i++)); do port_busy "$1" || return 0; sleep 0.1; done
    echo "side-by-side.sh: port $1 on 127.0.0.1 is in use by another program" >&2; exit 1
}

# ------------------------------------------------------------------------------ servers
start_shear() { # vmid target-bps(0 = none)
    wait_port_free "$PORT_SHEAR"
    # GC pauses are logged (wall-clock stamps) so each run can count those during its measurement
    local envs=("SHEAR_JAVA_OPTS=${SHEAR_JAVA_OPTS:-} -Xlog:gc:file=$GC_LOG:utctime")
    [ "$2" != 0 ] && envs+=("SHEAR_X_TARGET_BPS=$2")
    rm -f "$GC_LOG" "$TMP/shear-run.log"      # so the wait below cannot see the last run's log
    env "${envs[@]}" "$SHEAR" --root "$ROOT" run "$1" --port "$PORT_SHEAR" > "$TMP/shear-run.log" 2>&1 &
    SHEAR_PID=$!
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q "is running" "$TMP/shear-run.log" 2>/dev/null && return 0
        kill -0 "$SHEAR_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "side-by-side.sh: 'shear run $1' did not start:" >&2; cat "$TMP/shear-run.log" >&2; exit 1
}
stop_shear() { stop_pid "$SHEAR_PID"; SHEAR_PID=; }

SHIM="$QDIR/nodelay-shim.so"
start_qsd() {
    wait_port_free "$PORT_QEMU"
    rm -f "$QMP" "$QDIR/qsd.log"
    LD_PRELOAD="$SHIM" NODELAY_SHIM_LOG=1 qemu-storage-daemon \
        --chardev socket,id=mon0,path="$QMP",server=on,wait=off --monitor chardev=mon0 \
        --nbd-server addr.type=inet,addr.host=127.0.0.1,addr.port="$PORT_QEMU" \
        > "$QDIR/qsd.log" 2>&1 &
    QSD_PID=$!
    local i
    for ((i = 0; i < 300; i++)); do
        [ -S "$QMP" ] && return 0
        kill -0 "$QSD_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "side-by-side.sh: qemu-storage-daemon did not start:" >&2; cat "$QDIR/qsd.log" >&2; exit 1
}
stop_qsd() { stop_pid "$QSD_PID"; QSD_PID=; }
shim_seen() { grep -q "nodelay-shim: TCP_NODELAY set" "$QDIR/qsd.log" && echo true || echo false; }

# ------------------------------------------------------------------------------ images
make_golden() { # path bytes: 1 MiB random-data extents, each followed by a 64 KiB hole (~94 %)
    rm -f "$1"; truncate -s "$2" "$1"
    timeout 600 fio --name=golden --filename="$1" --size="$2" --rw=write:64k --bs=1M --direct=1 \
        --ioengine=libaio --iodepth=8 --fallocate=none --output=/dev/null > /dev/null
}
fresh_disk() { # golden dest: the guest disk becomes a sparse copy of the golden image
    rm -f "$2"; cp --sparse=always "$1" "$2"; drop_caches
}
compare() { # golden target -> identical|DIFFERENT|error(N); qemu-img's message in $TMP/compare.txt
    local rc=0
    timeout 600 qemu-img compare -f raw -F qcow2 "$1" "$2" > "$TMP/compare.txt" 2>&1 || rc=$?
    case $rc in 0) echo identical;; 1) echo DIFFERENT;; *) echo "error($rc)";; esac
}
negative() { # live-disk target: the guest's writes must show
    local rc=0
    timeout 600 qemu-img compare -q -f raw -F qcow2 "$1" "$2" > /dev/null 2>&1 || rc=$?
    case $rc in 0) echo "identical (the guest's writes are missing!)";; 1) echo differs;; *) echo "error($rc)";; esac
}
json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

FAILED=0
note_rc() { [ "$1" = 0 ] || FAILED=$((FAILED + 1)); }
engines_for() { # rep -> "shear qemu" or "qemu shear" (ABBA over the repetitions)
    if [ $(($1 % 2)) = 1 ]; then echo "shear qemu"; else echo "qemu shear"; fi
}

# ------------------------------------------------------------------------------ setup
T_START=$(date +%s)
log "building Shear if needed: $("$SHEAR" --version 2>&1 | head -1)"
gcc -Wall -shared -fPIC -O2 -o "$SHIM" "$HERE/nodelay-shim.c" -ldl
"$SHEAR" --root "$ROOT" storage add local --path "$LOCAL" --content images > /dev/null
"$SHEAR" --root "$ROOT" storage add fast --path "$FAST" --content images > /dev/null
"$SHEAR" --root "$ROOT" storage add backup --path "$BACKUP" --content backup > /dev/null
"$SHEAR" --root "$ROOT" guest create 900 --name bench-ac --disk "scsi0=local:$SIZE_B:raw" > /dev/null
"$SHEAR" --root "$ROOT" guest create 901 --name bench-b --disk "scsi0=local:$B_SIZE_B:raw" > /dev/null
DISK_AC="$LOCAL/images/900/vm-900-disk-0.raw" DISK_B="$LOCAL/images/901/vm-901-disk-0.raw"
[ -f "$DISK_AC" ] && [ -f "$DISK_B" ] || { echo "side-by-side.sh: Shear did not create $DISK_AC / $DISK_B" >&2; exit 1; }
GOLDEN_AC="$SCRATCH/golden-ac.raw" GOLDEN_B="$SCRATCH/golden-b.raw"
make_golden "$GOLDEN_AC" "$SIZE_B"
if [ "$B_SIZE_B" = "$SIZE_B" ]; then GOLDEN_B=$GOLDEN_AC; else make_golden "$GOLDEN_B" "$B_SIZE_B"; fi
log "golden images: $SIZE ($(du -B1 "$GOLDEN_AC" | cut -f1) bytes allocated), $B_SIZE for (b)"

python3 "$RUN" set "$RESULTS/env.json" \
    "started=$(json_str "$(date -Is)")" "loadavg_start=$(json_str "$(cut -d' ' -f1-3 /proc/loadavg)")" \
    "kernel=$(json_str "$(uname -srm)")" \
    "cpu=$(json_str "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)")" "nproc=$(nproc)" \
    "mem=$(json_str "$(free -h | awk '/^Mem:/ {print $2}')")" \
    "scratch_fs=$(json_str "$(df -T "$SCRATCH" | awk 'NR==2 {print $2 " on " $1}')")" \
    "os=$(json_str "$(. /etc/os-release && echo "$PRETTY_NAME")")" \
    "shear=$(json_str "$("$SHEAR" --version 2>&1 | tr '\n' ' ')")" \
    "shear_commit=$(json_str "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)")" \
    "qsd=$(json_str "$(qemu-storage-daemon --version | head -1)")" "fio=$(json_str "$(fio --version)")" \
    "libnbd=$(json_str "$(nbdinfo --version 2>/dev/null | tail -1)")" \
    "python=$(json_str "$(python3 --version)")" \
    "params=$(python3 -c 'import json,sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' \
        reps "$REPS" size "$SIZE" b_size "$B_SIZE" guest_s "$GUEST" a_runtime_s "$A_RUNTIME" \
        target_bps "$TARGET_BPS" parts "$PARTS" quick "$QUICK" qemu_max_chunk "$QEMU_MAX_CHUNK" \
        shear_java_opts "${SHEAR_JAVA_OPTS:-}")"

extra() { # label rep engine mode part -> JSON labels for a run
    python3 -c 'import json,sys; l,r,e,m,p=sys.argv[1:6]; print(json.dumps({"label": l, "rep": int(r), "engine": e, "mode": m, "part": p}))' "$@"
}

# ------------------------------------------------------------------------------ (a) plain export
plain_fio() { # uri out.json
    child env NBD_URI="$1" RUNTIME="$A_RUNTIME" IODEPTH=16 timeout $((A_RUNTIME + 60)) \
        fio "$HERE/plain-randwrite.fio" --output-format=json --output="$2" > "$TMP/fio.stderr" 2>&1
}
part_a() {
    local rep engine label cpu0 psi0 rc
    for rep in $(seq 1 "$REPS"); do
        for engine in $(engines_for "$rep") qemu-page; do
            label=a-$engine; rc=0
            fresh_disk "$GOLDEN_AC" "$DISK_AC"
            rm -f "$TMP/a.json"
            if [ "$engine" = shear ]; then
                start_shear 900 0
                cpu0=$(python3 "$RUN" cpu "$SHEAR_PID") psi0=$(python3 "$RUN" psi)
                plain_fio "nbd://127.0.0.1:$PORT_SHEAR/scsi0" "$TMP/a.json" || rc=$?
                python3 "$RUN" fio --fio-json "$TMP/a.json" --result "$RESULTS/$label-r$rep.json" \
                    --extra "$(extra "$label" "$rep" shear plain a)" --server-pid "$SHEAR_PID" --cpu-before "$cpu0" \
                    --psi-before "$psi0" --gc-log "$GC_LOG" || rc=$?
                stop_shear
            else
                local cache=direct; [ "$engine" = qemu-page ] && cache=page
                start_qsd
                python3 "$RUN" qemu-plain --qmp "$QMP" --disk "$DISK_AC" --cache "$cache"
                cpu0=$(python3 "$RUN" cpu "$QSD_PID") psi0=$(python3 "$RUN" psi)
                plain_fio "nbd://127.0.0.1:$PORT_QEMU/scsi0" "$TMP/a.json" || rc=$?
                python3 "$RUN" fio --fio-json "$TMP/a.json" --result "$RESULTS/$label-r$rep.json" \
                    --extra "$(extra "$label" "$rep" qemu "plain-$cache" a)" --server-pid "$QSD_PID" --cpu-before "$cpu0" \
                    --psi-before "$psi0" || rc=$?
                python3 "$RUN" set "$RESULTS/$label-r$rep.json" "tcp_nodelay_shim=$(shim_seen)" "cache=$cache"
                stop_qsd
            fi
            note_rc "$rc"
        done
    done
}

# ------------------------------------------------------------------------------ (b), (c) backups
# backup_run part engine mode rep vmid golden disk size bps guest-seconds
backup_run() {
    local part=$1 engine=$2 mode=$3 rep=$4 vmid=$5 golden=$6 disk=$7 size=$8 bps=$9 guest=${10}
    local label="$part-$engine-$mode" rc=0 target fleece res cmp neg
    res="$RESULTS/$label-r$rep.json"
    local maxwait=$(( guest + 180 + (bps > 0 ? size / bps : 0) )) opts=()
    [ "$part" = c ] && opts+=(--sync-at-end)
    [ "$guest" -gt 0 ] && opts+=(--phase-split $(( (guest + 2) / 3 )))   # first third vs the rest
    local common=(backup --engine "$engine" --mode "$mode" --size "$size" --result "$res" --tmp "$TMP" "${opts[@]}"
                  --target-bps "$bps"
                  --extra "$(extra "$label" "$rep" "$engine" "$mode" "$part")" --guest-runtime "$guest"
                  --fio-job "$HERE/guest-load.fio" --fio-json "$TMP/guest.json" --max-wait "$maxwait")
    fresh_disk "$golden" "$disk"
    if [ "$engine" = shear ]; then
        fleece="$FAST/images/$vmid/vm-$vmid-fleece-0.qcow2"
        start_shear "$vmid" "$bps"
        child python3 "$RUN" "${common[@]}" --nbd-uri "nbd://127.0.0.1:$PORT_SHEAR/scsi0" \
            --fleece-file "$fleece" --target-glob "$BACKUP/dump/vzdump-qemu-$vmid-*/scsi0.qcow2" \
            --server-pid "$SHEAR_PID" --shear "$SHEAR" --root "$ROOT" --vmid "$vmid" --gc-log "$GC_LOG" || rc=$?
        stop_shear
        target=$(ls -d "$BACKUP"/dump/vzdump-qemu-"$vmid"-*/scsi0.qcow2 2>/dev/null | head -1 || true)
        python3 "$RUN" set "$res" "target_bps_env=$(json_str "$( [ "$bps" != 0 ] && echo "SHEAR_X_TARGET_BPS=$bps" || echo none)")"
    else
        fleece="$FAST/images/$vmid/qsd-fleece-0.qcow2"
        target="$BACKUP/qemu/target.qcow2"
        mkdir -p "$FAST/images/$vmid"
        start_qsd
        child python3 "$RUN" "${common[@]}" --nbd-uri "nbd://127.0.0.1:$PORT_QEMU/scsi0" \
            --fleece-file "$fleece" --target-glob "$target" --server-pid "$QSD_PID" \
            --qmp "$QMP" --disk "$disk" --target-file "$target" \
            --max-chunk "$QEMU_MAX_CHUNK_B" || rc=$?
        stop_qsd
        python3 "$RUN" set "$res" "tcp_nodelay_shim=$(shim_seen)"
        rm -f "$fleece"
    fi
    if [ -n "$target" ] && [ -f "$target" ]; then
        cmp=$(compare "$golden" "$target")
        neg="n/a (no guest)"
        [ "$guest" -gt 0 ] && neg=$(negative "$disk" "$target")
        python3 "$RUN" set "$res" "compare=$(json_str "$cmp")" \
            "compare_output=$(json_str "$(head -c 300 "$TMP/compare.txt")")" "negative_control=$(json_str "$neg")"
        log "  $label-r$rep: target vs golden: $cmp; live disk vs target: $neg"
    else
        python3 "$RUN" set "$res" 'compare="no target"'
        rc=1
    fi
    rm -rf "$BACKUP"/dump/vzdump-qemu-"$vmid"-* "$BACKUP/qemu/target.qcow2"
    note_rc "$rc"
}
part_b() {
    local rep mode engine
    for rep in $(seq 1 "$REPS"); do
        for mode in nofleece fleece; do
            for engine in $(engines_for "$rep"); do
                backup_run b "$engine" "$mode" "$rep" 901 "$GOLDEN_B" "$DISK_B" "$B_SIZE_B" "$TARGET_BPS_B" "$GUEST"
            done
        done
    done
}
timed_ref() { # label rep cmd... : cold cache, output synced, time from start to synced
    local label=$1 rep=$2 t0 t1 rc=0; shift 2
    drop_caches
    t0=$(date +%s.%N)
    child timeout 600 "$@" || rc=$?
    sync
    t1=$(date +%s.%N)
    python3 "$RUN" set "$RESULTS/$label-r$rep.json" "label=\"$label\"" "part=\"c\"" "engine=\"ref\"" \
        "mode=\"ref\"" "rep=$rep" "ok=$([ $rc = 0 ] && echo true || echo false)" "size=$SIZE_B" \
        "done_s=$(python3 -c "print(round($t1 - $t0, 3))")" "command=$(json_str "$*")"
    rm -f "$TMP/copy.raw" "$TMP/conv.qcow2"
    note_rc "$rc"
}
part_c() {
    local rep mode engine
    for rep in $(seq 1 "$REPS"); do
        for mode in nofleece fleece; do
            for engine in $(engines_for "$rep"); do
                backup_run c "$engine" "$mode" "$rep" 900 "$GOLDEN_AC" "$DISK_AC" "$SIZE_B" 0 0
            done
        done
        timed_ref c-ref-cp "$rep" cp --sparse=always "$GOLDEN_AC" "$TMP/copy.raw"
        timed_ref c-ref-convert "$rep" qemu-img convert -f raw -O qcow2 "$GOLDEN_AC" "$TMP/conv.qcow2"
    done
}

if [[ "$PARTS" == *a* ]]; then log "(a) plain export, $REPS x 3 runs of ${A_RUNTIME}s"; part_a; fi
if [[ "$PARTS" == *b* ]]; then log "(b) guest latency during backups throttled to $TARGET_BPS/s, $B_SIZE disk, $REPS x 4 runs"; part_b; fi
if [[ "$PARTS" == *c* ]]; then log "(c) unthrottled $SIZE backups, $REPS x (4 backups + 2 references)"; part_c; fi

T_END=$(date +%s)
python3 "$RUN" set "$RESULTS/env.json" "ended=$(json_str "$(date -Is)")" \
    "loadavg_end=$(json_str "$(cut -d' ' -f1-3 /proc/loadavg)")" "wall_s=$((T_END - T_START))" \
    "drop_caches=$(json_str "$DROP_NOTE")" "failed_runs=$FAILED" \
    "rerun=$(json_str "bench/side-by-side.sh --reps $REPS --size $SIZE --b-size $B_SIZE --guest $GUEST --a-runtime $A_RUNTIME --target-bps $TARGET_BPS --parts $PARTS --qemu-max-chunk $QEMU_MAX_CHUNK")"
python3 "$HERE/sbs_summary.py" "$RESULTS" > "$MD"
cat "$MD"
log "per-run JSON: $RESULTS/   summary: $MD   ($((T_END - T_START)) s, $FAILED failed run(s))"
[ "$FAILED" = 0 ] || exit 1
