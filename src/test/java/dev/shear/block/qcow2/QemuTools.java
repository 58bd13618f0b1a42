package dev.shear.block.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.testing.Interop;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/// `qemu-img` and `qemu-io` calls the qcow2 tests share, through [Interop] (skipped without the
/// tools on a laptop, failing in CI).
final class QemuTools {
    private QemuTools() {
    }

    /// What `qemu-img check --output=json` found.
    record Check(int exitCode, long corruptions, long leaks, long checkErrors, String output) {
        /// No corruption, no leak: exit code 0.
        void assertClean(String context) {
            assertThat(exitCode).as("%s: qemu-img check exit code (0 clean, 2 corrupt, 3 leaks)\n%s", context, output)
                    .isZero();
            assertThat(corruptions + leaks + checkErrors).as("%s: problems in\n%s", context, output).isZero();
        }

        /// Maybe leaks, but no corruption: exit code 0 or 3.
        void assertNoCorruption(String context) {
            assertThat(exitCode).as("%s: qemu-img check exit code (0 clean, 2 corrupt, 3 leaks)\n%s", context, output)
                    .isIn(0, 3);
            assertThat(corruptions + checkErrors).as("%s: corruptions in\n%s", context, output).isZero();
        }
    }

    static Check check(Path image) throws IOException {
        Interop.Result r = Interop.run("qemu-img", "check", "--output=json", "-f", "qcow2", image.toString());
        JsonNode json = r.stdout().isBlank() ? null : new ObjectMapper().readTree(r.stdout());
        long corruptions = json == null ? -1 : json.path("corruptions").asLong(0);
        long leaks = json == null ? -1 : json.path("leaks").asLong(0);
        long errors = json == null ? -1 : json.path("check-errors").asLong(0);
        return new Check(r.exitCode(), corruptions, leaks, errors, r.stdout() + r.stderr());
    }

    /// `qemu-img compare` of a qcow2 image with a raw file; true when identical.
    static Interop.Result compare(Path qcow2, Path raw) throws IOException {
        return Interop.run("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow2.toString(), raw.toString());
    }

    static void createImage(Path image, String size, String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        args.addAll(List.of(options));
        args.add(image.toString());
        args.add(size);
        Interop.run("qemu-img", args.toArray(String[]::new)).ok();
    }

    /// Runs `qemu-io` commands on a qcow2 image (read-only with `readOnly`); fails on a non-zero exit
    /// or when a pattern check failed.
    static String io(Path image, boolean readOnly, String... commands) throws IOException {
        List<String> args = new ArrayList<>(List.of("-f", "qcow2"));
        if (readOnly) {
            args.add("-r");
        }
        for (String c : commands) {
            args.add("-c");
            args.add(c);
        }
        args.add(image.toString());
        Interop.Result r = Interop.run("qemu-io", args.toArray(String[]::new)).ok();
        String out = r.stdout() + r.stderr();
        assertThat(out).as("qemu-io %s", String.join(" | ", commands))
                .doesNotContain("Pattern verification failed").doesNotContainIgnoringCase("error")
                .doesNotContain("failed");
        return out;
    }
}
