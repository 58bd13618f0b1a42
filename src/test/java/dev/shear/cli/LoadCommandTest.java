package dev.shear.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shear.block.MemoryNode;
import dev.shear.nbd.ExportRegistry;
import dev.shear.nbd.NbdExport;
import dev.shear.nbd.NbdServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/// `shear load`, run in-process against our NBD server exporting a [MemoryNode] ("disk", 64 MiB)
/// and a read-only one ("ro").
@Timeout(60)
class LoadCommandTest {
    private MemoryNode disk;
    private MemoryNode ro;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        disk = new MemoryNode("disk", 64L << 20, 64 * 1024);
        ro = new MemoryNode("ro", 1L << 20, 64 * 1024);
        ExportRegistry registry = new ExportRegistry();
        registry.add(NbdExport.of("disk", disk));
        registry.add(new NbdExport("ro", ro, true, ""));
        server = NbdServer.start(registry, NbdServer.Tcp.loopback(0));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(LoadCommand command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Run load(String... extra) {
        List<String> args = new ArrayList<>(List.of(server.uri("disk"), "--iops", "500", "--write-ratio", "0.8",
                "--block-size", "4K", "--duration", "1"));
        args.addAll(List.of(extra));
        return run(new LoadCommand(), args.toArray(String[]::new));
    }

    @Test
    void printsAchievedIopsAndPercentilesAsATableAndTheDiskReceivesWrites() {
        Run r = load();
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("target    NBD export 'disk' at " + server.uri("disk") + " (64 MiB)")
                .contains("load      500 IOPS asked, 80 % writes, 4 KiB blocks, queue depth 16, 1 s, seed 1")
                .containsPattern("latency   from when due, less up to [0-9]+ µs of the generator's late wake-up "
                        + "\\(this machine's median, measured before the load\\)")
                .containsPattern("achieved  [0-9.]+ IOPS in [0-9.]+ s \\([0-9.]+ writes/s, [0-9.]+ reads/s\\), 0 errors")
                .containsPattern("latency \\(µs\\) +count +p50 +p90 +p99 +p99\\.9 +max")
                .containsPattern("\nwrites +[1-9][0-9]* +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+\n")
                .containsPattern("\nreads +[1-9][0-9]* +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+\n")
                .containsPattern("\noversleep +[1-9][0-9]* +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+\n");
        assertThat(disk.allocatedBytes()).as("the export received writes").isPositive();
    }

    @Test
    void jsonOutputHasEveryPercentileOfWritesAndReads() throws IOException {
        Run r = load("--output", "json", "--queue-depth", "4", "--seed", "7", "--excused-oversleep", "40");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("uri").asText()).isEqualTo(server.uri("disk"));
        assertThat(j.get("load").get("queue_depth").asInt()).isEqualTo(4);
        assertThat(j.get("load").get("seed").asLong()).isEqualTo(7);
        assertThat(j.get("load").get("excused_oversleep_us").asLong()).isEqualTo(40);
        assertThat(j.get("iops").asDouble()).isPositive();
        assertThat(j.get("errors").asLong()).isZero();
        for (String kind : List.of("writes", "reads", "oversleep")) {
            JsonNode s = j.get(kind);
            assertThat(s.get("count").asLong()).as(kind).isPositive();
            for (String p : List.of("p50_us", "p90_us", "p99_us", "p99_9_us", "max_us")) {
                assertThat(s.get(p)).as(kind + " " + p).isNotNull();
                assertThat(s.get(p).asLong()).as(kind + " " + p).isPositive();
            }
            assertThat(s.get("p50_us").asLong()).isLessThanOrEqualTo(s.get("p99_us").asLong());
            assertThat(s.get("p99_us").asLong()).isLessThanOrEqualTo(s.get("max_us").asLong());
        }
        assertThat(disk.allocatedBytes()).isPositive();
    }

    @Test
    void aTerminalGetsAProgressLineEachSecond() {
        LoadCommand c = new LoadCommand();
        c.progress = true;
        Run r = run(c, server.uri("disk"), "--iops", "200", "--write-ratio", "0.5", "--block-size", "4k",
                "--duration", "1.6");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).containsPattern("\r +1 s +[0-9]+ IOPS  writes p99 +[0-9]+ µs  reads p99 +[0-9]+ µs");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--iops        | 0    | --iops must be at least 1, not 0",
            "--write-ratio | 2    | --write-ratio must be between 0 and 1 (0.8 means 80 % writes), not 2",
            "--block-size  | 3K   | --block-size must be a power of two from 512 to 32M, not 3K",
            "--block-size  | 4Q   | --block-size: '4Q' is not a size",
            "--block-size  | 64M  | --block-size must be a power of two from 512 to 32M, not 64M",
            "--duration    | 0    | --duration must be a number of seconds above 0",
            "--queue-depth | 2000 | --queue-depth must be between 1 and 1024, not 2000",
            "--excused-oversleep | 10001 | --excused-oversleep must be auto or a number of µs from 0 to 10000, not 10001",
            "--excused-oversleep | -1    | --excused-oversleep must be auto or a number of µs from 0 to 10000, not -1",
            "--excused-oversleep | soon  | --excused-oversleep must be auto or a number of µs from 0 to 10000, not soon"})
    void badOptionValuesExitWithTwoAndOneLineNamingTheOption(String option, String value, String message) {
        Map<String, String> options = new LinkedHashMap<>(Map.of("--iops", "100", "--write-ratio", "0.5",
                "--block-size", "4K", "--duration", "1"));
        options.put(option, value);
        List<String> args = new ArrayList<>(List.of(server.uri("disk")));
        options.forEach((k, v) -> args.addAll(List.of(k, v)));
        Run r = run(new LoadCommand(), args.toArray(String[]::new));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("shear load: " + message).hasLineCount(1);
        assertThat(r.out()).isEmpty();
        assertThat(server.connections()).as("nothing was sent").isZero();
        assertThat(disk.allocatedBytes()).isZero();
    }

    @Test
    void anUnreachableServerExitsWithOneAndOneLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String uri = "nbd://127.0.0.1:" + port + "/disk";
        Run r = run(new LoadCommand(), uri, "--iops", "10", "--write-ratio", "0", "--block-size", "4K", "--duration", "1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("shear load: cannot connect to " + uri + " (127.0.0.1:" + port + "): ")
                .hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownExportExitsWithOne() {
        Run r = run(new LoadCommand(), server.uri("nope"), "--iops", "10", "--write-ratio", "0", "--block-size", "4K",
                "--duration", "1");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("there is no export named 'nope'").hasLineCount(1);
    }

    @Test
    void aMalformedUriIsABadOption() {
        Run r = run(new LoadCommand(), "http://x/disk", "--iops", "10", "--write-ratio", "0", "--block-size", "4K",
                "--duration", "1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("shear load: 'http://x/disk' is not a usable NBD URI").hasLineCount(1);
    }

    @Test
    void writesToAReadOnlyExportAreRefusedBeforeTheLoadStarts() {
        Run r = run(new LoadCommand(), server.uri("ro"), "--iops", "10", "--write-ratio", "0.5", "--block-size", "4K",
                "--duration", "1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("shear load: NBD export 'ro' at " + server.uri("ro")
                + " is read-only; use --write-ratio 0" + System.lineSeparator());
        assertThat(run(new LoadCommand(), server.uri("ro"), "--iops", "50", "--write-ratio", "0", "--block-size",
                "64K", "--duration", "0.3").exitCode()).isZero();
    }

    @Test
    void aMissingRequiredOptionIsAUsageError() {
        Run r = run(new LoadCommand(), server.uri("disk"), "--iops", "10");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Missing required options").contains("--write-ratio");
    }
}
