#!/usr/bin/env python3
"""fleece-model.py - how large must a fleecing image get? A simulation of part (b)'s workload.

The guest writes 4 KiB blocks uniformly at random at WRITE_IOPS for GUEST seconds, starting at the
point in time; the backup copies the disk's allocated clusters at RATE bytes/s (holes cost
nothing). The first write to a cluster the backup still needs copies the cluster's old data
into the fleecing image. The peak of the image's data is reported for four policies:

  no-discard      QEMU 7.2: nothing is ever freed, and clusters the backup already copied are
                  copied again on their first write (no discard-source in 7.2)
  discard-source  the backup frees each cluster it has copied (Shear's default, QEMU >= 9.1);
                  the backup walks the disk in order
  drain-first     discard-source, and the backup copies clusters that sit in the image first
  4k-granularity  discard-source with a 4 KiB copy-before-write granularity instead of the
                  cluster (only the written block's old data is kept)

The disk layout is the golden image of side-by-side.sh: 1 MiB of data, then a 64 KiB hole.
Qcow2 metadata and the 1-s sampling of the real benchmark are not modelled.

Usage: fleece-model.py [--size 1G] [--guest 30] [--write-iops 2000] [--rate 20M]
                       [--cluster 64K] [--seed 1]
"""
import argparse
import collections
import random

UNITS = {"": 1, "K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30}


def size_arg(text):
    t = text.strip().upper().rstrip("B").rstrip("I")
    unit = t[-1] if t and t[-1] in UNITS else ""
    try:
        return int(float(t[:len(t) - len(unit)]) * UNITS[unit])
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: '{text}' (e.g. 512M, 2G)")


def allocated(cluster, size):
    """Allocated clusters of the golden layout: 1 MiB data extents, each followed by a 64 KiB hole."""
    period = 2 ** 20 + 2 ** 16
    return [(i * cluster) % period < 2 ** 20 for i in range(size // cluster)]


def peak(policy, size, guest, iops, rate, cluster, seed):
    rnd = random.Random(seed)
    alloc = allocated(cluster, size)
    n = len(alloc)
    block = 4096
    blocks_per_cluster = cluster // block
    backed = [False] * n               # the backup has copied it (from the image or the disk)
    copied = [False] * n               # its old data was copied out (cluster policies)
    in_image = [0] * n                 # bytes of its old data in the image
    written_blocks = set()             # 4k-granularity: blocks written since the point in time
    queue = collections.deque()        # drain-first: clusters in the image, oldest first
    image = top = 0
    pointer = 0
    budget = 0.0
    per_write = rate / iops

    def back_up(c):
        nonlocal image
        backed[c] = True
        if policy != "no-discard":
            image -= in_image[c]
            in_image[c] = 0

    for _ in range(int(guest * iops)):
        # the backup progresses between two guest writes
        budget += per_write
        while budget >= cluster and pointer < n:
            if policy == "drain-first":
                while queue and backed[queue[0]]:
                    queue.popleft()
                if queue:
                    back_up(queue.popleft())
                    budget -= cluster
                    continue
            while pointer < n and (backed[pointer] or not alloc[pointer]):
                backed[pointer] = True
                pointer += 1
            if pointer < n:
                back_up(pointer)
                pointer += 1
                budget -= cluster
        # one guest write
        b = rnd.randrange(size // block)
        c = b // blocks_per_cluster
        if policy == "no-discard":
            fresh = not copied[c]
        elif policy == "4k-granularity":
            fresh = not backed[c] and b not in written_blocks
            written_blocks.add(b)
        else:
            fresh = not backed[c] and not copied[c]
        if fresh:
            copied[c] = True
            if alloc[c]:
                add = block if policy == "4k-granularity" else cluster
                in_image[c] += add
                image += add
                if policy == "drain-first":
                    queue.append(c)
        top = max(top, image)
    return top


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=size_arg, default=size_arg("1G"))
    p.add_argument("--guest", type=float, default=30)
    p.add_argument("--write-iops", type=int, default=2000)
    p.add_argument("--rate", type=size_arg, default=size_arg("20M"))
    p.add_argument("--cluster", type=size_arg, default=size_arg("64K"))
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    if a.size % a.cluster or a.cluster % 4096 or a.size <= 0:
        p.error("--size must be a multiple of --cluster, and --cluster a multiple of 4K")
    if a.rate <= 0 or a.write_iops <= 0 or a.guest <= 0:
        p.error("--rate, --write-iops and --guest must be positive")
    print(f"disk {a.size / 2**30:g} GiB, guest {a.guest:g} s of {a.write_iops} random 4 KiB writes/s, "
          f"backup {a.rate / 2**20:g} MiB/s, cluster {a.cluster // 1024} KiB\n")
    # the reference is QEMU 7.2 as measured: 64 KiB clusters, no discard-source
    base = peak("no-discard", a.size, a.guest, a.write_iops, a.rate, 2 ** 16, a.seed)
    print("| policy | peak fleecing data MiB | ÷ QEMU 7.2 (64 KiB, no-discard) |")
    print("|---|---|---|")
    for policy in ("no-discard", "discard-source", "drain-first", "4k-granularity"):
        v = peak(policy, a.size, a.guest, a.write_iops, a.rate, a.cluster, a.seed)
        print(f"| {policy} | {v / 2**20:.0f} | {v / base:.2f} |")


if __name__ == "__main__":
    main()
