package dev.shear.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesWhatUsersType() {
        assertThat(Sizes.parse("512")).isEqualTo(512);
        assertThat(Sizes.parse("64K")).isEqualTo(65536);
        assertThat(Sizes.parse("64k")).isEqualTo(65536);
        assertThat(Sizes.parse("4M")).isEqualTo(4L << 20);
        assertThat(Sizes.parse("4MiB")).isEqualTo(4L << 20);
        assertThat(Sizes.parse("1G")).isEqualTo(1L << 30);
        assertThat(Sizes.parse("2T")).isEqualTo(2L << 40);
        assertThat(Sizes.parse("100B")).isEqualTo(100);
        assertThat(Sizes.parse(" 3K ")).isEqualTo(3072);
    }

    @Test
    void refusesNonsenseWithAnActionableMessage() {
        assertThatThrownBy(() -> Sizes.parse("abc")).hasMessageContaining("'abc' is not a size");
        assertThatThrownBy(() -> Sizes.parse("-4K")).hasMessageContaining("negative");
        assertThatThrownBy(() -> Sizes.parse("")).hasMessageContaining("required");
        assertThatThrownBy(() -> Sizes.parse("99999999999P")).hasMessageContaining("too large");
        assertThatThrownBy(() -> Sizes.parse("4X")).hasMessageContaining("not a size");
    }

    @Test
    void formatsForHumans() {
        assertThat(Sizes.format(0)).isEqualTo("0 B");
        assertThat(Sizes.format(65536)).isEqualTo("64 KiB");
        assertThat(Sizes.format(3L << 29)).isEqualTo("1.50 GiB");
        assertThat(Sizes.compact(65536)).isEqualTo("64K");
        assertThat(Sizes.compact(3072)).isEqualTo("3K");
        assertThat(Sizes.compact(1000)).isEqualTo("1000");
        assertThat(Sizes.isPowerOfTwo(4096)).isTrue();
        assertThat(Sizes.isPowerOfTwo(3072)).isFalse();
        assertThat(Sizes.isPowerOfTwo(0)).isFalse();
    }
}
