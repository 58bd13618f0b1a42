package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shear.block.ImageFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VolumeNameTest {
    @Test
    void parsesDiskAndFleeceNames() {
        VolumeName d = VolumeName.parse("vm-100-disk-0.qcow2");
        assertThat(d).isEqualTo(new VolumeName(100, VolumeKind.DISK, 0, ImageFormat.QCOW2));
        VolumeName f = VolumeName.parse("vm-999999999-fleece-12.raw");
        assertThat(f.vmid()).isEqualTo(999_999_999);
        assertThat(f.kind()).isEqualTo(VolumeKind.FLEECE);
        assertThat(f.index()).isEqualTo(12);
        assertThat(f.format()).isEqualTo(ImageFormat.RAW);
    }

    @ParameterizedTest
    @ValueSource(strings = {"vm-100-disk-0.raw", "vm-100-disk-0.qcow2", "vm-123456-fleece-7.qcow2",
            "vm-999999999-disk-2147483647.raw"})
    void everyAcceptedNameIsItsOwnCanonicalForm(String name) {
        assertThat(VolumeName.parse(name).toString()).isEqualTo(name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            ../vm-100-disk-0.raw            |contains '..'
            vm-100-disk-0.raw/..            |contains '..'
            /etc/passwd                     |is an absolute path
            /vm-100-disk-0.raw              |is an absolute path
            images/vm-100-disk-0.raw        |contains a path separator
            100/vm-100-disk-0.raw           |contains a path separator
            vm-100-disk-0.raw\\x            |contains a path separator
            ..                              |contains '..'
            vm-100-disk-0..raw              |contains '..'
            """)
    void namesThatCouldLeaveTheStorageAreRefusedWithTheReason(String name, String reason) {
        assertThatThrownBy(() -> VolumeName.parse(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'").hasMessageContaining(reason);
        assertThatThrownBy(() -> VolumeId.parse("local:" + name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void aNulCharacterIsRefusedAndShownEscaped() {
        assertThatThrownBy(() -> VolumeName.parse("vm-100-disk-0.raw\0.txt"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vm-100-disk-0.raw\\0.txt").hasMessageContaining("NUL character");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            vm-100-disk-0               |has no format extension
            vm-100-disk-0.vmdk          |unknown format extension '.vmdk'
            vm-100-disk-0.RAW           |unknown format extension '.RAW'
            vm-99-disk-0.raw            |guest id 99 is outside
            vm-1000000000-disk-0.raw    |guest id 1000000000 is outside
            vm-0100-disk-0.raw          |expected vm-<vmid>-disk-<n>.<format>
            vm-100-disk-01.raw          |expected vm-<vmid>-disk-<n>.<format>
            vm-100-disk--1.raw          |expected vm-<vmid>-disk-<n>.<format>
            vm-100-cloudinit.raw        |expected vm-<vmid>-disk-<n>.<format>
            base-100-disk-0.raw         |expected vm-<vmid>-disk-<n>.<format>
            vm-100-disk-9999999999.raw  |index 9999999999 is too large
            ' vm-100-disk-0.raw'        |expected vm-<vmid>-disk-<n>.<format>
            """)
    void malformedNamesAreRefusedWithTheReason(String name, String reason) {
        assertThatThrownBy(() -> VolumeName.parse(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void anEmptyNameIsRefused() {
        assertThatThrownBy(() -> VolumeName.parse("")).hasMessageContaining("volume name is empty");
    }

    @Test
    void volumeIdsSplitAtTheFirstColonAndValidateBothParts() {
        VolumeId id = VolumeId.parse("fast-1:vm-100-fleece-0.qcow2");
        assertThat(id.storage()).isEqualTo("fast-1");
        assertThat(id.name()).isEqualTo(VolumeName.parse("vm-100-fleece-0.qcow2"));
        assertThat(id).hasToString("fast-1:vm-100-fleece-0.qcow2");
        assertThatThrownBy(() -> VolumeId.parse("vm-100-disk-0.raw")).hasMessageContaining("expected <storage>:<name>");
        assertThatThrownBy(() -> VolumeId.parse("Local:vm-100-disk-0.raw")).hasMessageContaining("invalid storage id 'Local'");
        assertThatThrownBy(() -> VolumeId.parse("local:vm-100-disk-0.raw:x"))
                .hasMessageContaining("invalid volume name 'vm-100-disk-0.raw:x'");
        assertThatThrownBy(() -> VolumeId.parse(":vm-100-disk-0.raw")).hasMessageContaining("invalid storage id ''");
    }

    @Test
    void constructedNamesAreValidatedToo() {
        assertThatThrownBy(() -> VolumeName.of(42, VolumeKind.DISK, 0, ImageFormat.RAW)).hasMessageContaining("guest id 42");
        assertThatThrownBy(() -> VolumeName.of(100, VolumeKind.DISK, -1, ImageFormat.RAW)).hasMessageContaining("negative");
        assertThat(VolumeName.of(100, VolumeKind.FLEECE, 3, ImageFormat.QCOW2)).hasToString("vm-100-fleece-3.qcow2");
    }
}
