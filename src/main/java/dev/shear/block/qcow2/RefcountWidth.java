package dev.shear.block.qcow2;

/// How refcount block entries are packed for a `refcount_order` (0 to 6: 1- to 64-bit entries).
/// Sub-byte entries fill each byte from its least significant bit, wider ones are big-endian, as
/// the qcow2 spec says.
///
/// @param order `refcount_order`; entries are `1 << order` bits wide
record RefcountWidth(int order) {

    RefcountWidth {
        if (order < 0 || order > 6) {
            throw new IllegalArgumentException("refcount_order " + order + " is not 0..6");
        }
    }

    int bits() {
        return 1 << order;
    }

    /// The largest refcount an entry holds (for 64-bit entries, the largest a Java long holds).
    long max() {
        return order == 6 ? Long.MAX_VALUE : (1L << bits()) - 1;
    }

    /// log2 of the entries in a block of `2^clusterBits` bytes.
    int blockBits(int clusterBits) {
        return clusterBits + 3 - order;
    }

    long get(byte[] block, int index) {
        return switch (order) {
            case 3 -> block[index] & 0xffL;
            case 4 -> ((block[2 * index] & 0xffL) << 8) | (block[2 * index + 1] & 0xffL);
            case 5 -> TableCache.longAt(block, index >>> 1) >>> ((index & 1) == 0 ? 32 : 0) & 0xffff_ffffL;
            case 6 -> TableCache.longAt(block, index);
            default -> {
                long bit = (long) index << order;
                yield (block[(int) (bit >>> 3)] >>> (bit & 7)) & ((1 << bits()) - 1);
            }
        };
    }

    void set(byte[] block, int index, long value) {
        switch (order) {
            case 3 -> block[index] = (byte) value;
            case 4 -> {
                block[2 * index] = (byte) (value >>> 8);
                block[2 * index + 1] = (byte) value;
            }
            case 5 -> {
                for (int i = 0; i < 4; i++) {
                    block[4 * index + i] = (byte) (value >>> (24 - 8 * i));
                }
            }
            case 6 -> TableCache.setLong(block, index, value);
            default -> {
                long bit = (long) index << order;
                int at = (int) (bit >>> 3);
                int shift = (int) (bit & 7);
                int mask = ((1 << bits()) - 1) << shift;
                block[at] = (byte) ((block[at] & ~mask) | ((int) (value << shift) & mask));
            }
        }
    }

    /// The first byte of entry `index`.
    int firstByte(int index) {
        return (int) (((long) index << order) >>> 3);
    }

    /// The byte after entry `index`.
    int endByte(int index) {
        return (int) ((((long) index + 1 << order) + 7) >>> 3);
    }
}
