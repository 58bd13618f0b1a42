package dev.shear.cli;

import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Bus;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.GuestConfig;
import dev.shear.datacenter.GuestSpec;
import dev.shear.datacenter.demo.SampleData;
import dev.shear.datacenter.run.GuestRuns;
import dev.shear.datacenter.run.RunInfo;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear guest create|list|destroy`.
@Command(name = "guest", mixinStandardHelpOptions = true, description = "Manage guests (VM configurations).",
        subcommands = {GuestCommand.Create.class, GuestCommand.ListCmd.class, GuestCommand.Destroy.class})
public final class GuestCommand {
    private static final Pattern DISK = Pattern.compile("([a-z]+)([0-9]+)=([a-z][a-z0-9_-]*):([0-9]+[KMGTkmgt]?)(?::(raw|qcow2))?");

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a guest with new disks.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID", description = "100 … 999999999")
        int vmid;
        @Option(names = "--name", required = true, description = "a DNS-style name")
        String name;
        @Option(names = "--disk", required = true, paramLabel = "BUSn=STORAGE:SIZE[:FORMAT]",
                description = "a disk, e.g. scsi0=local:4G or virtio1=local:512M:qcow2 (repeatable)")
        List<String> disks;
        @Option(names = "--sample-data", paramLabel = "FRACTION", arity = "0..1", fallbackValue = "0.2",
                description = "fill the disks with sample data (default fraction when given: 0.2)")
        Double sampleData;
        @Option(names = "--description", description = "free text")
        String description;

        @Override
        public Integer call() throws Exception {
            List<GuestSpec.DiskSpec> specs = new ArrayList<>();
            for (String d : disks) {
                Matcher m = DISK.matcher(d);
                if (!m.matches()) {
                    throw new IllegalArgumentException("--disk '" + d + "' is not BUSn=STORAGE:SIZE[:FORMAT] "
                            + "(e.g. scsi0=local:4G)");
                }
                specs.add(new GuestSpec.DiskSpec(Bus.parse(m.group(1)), Integer.parseInt(m.group(2)), m.group(3),
                        m.group(5) == null ? null : ImageFormat.parse(m.group(5)), Sizes.parse(m.group(4))));
            }
            if (sampleData != null && (sampleData < 0 || sampleData > 1)) {
                throw new IllegalArgumentException("--sample-data must be between 0 and 1, not " + sampleData);
            }
            Datacenter dc = Cli.datacenter(spec);
            GuestConfig g = dc.guests().create(new GuestSpec(vmid, name, description, specs), (disk, node) -> {
                if (sampleData != null && sampleData > 0) {
                    SampleData.fill(node, sampleData, vmid * 10L + disk.index());
                }
            });
            Cli.out(spec).println("created guest " + g.vmid() + " (" + g.name() + ") with "
                    + g.disks().stream().map(x -> x.key() + "=" + x.volume() + " " + Sizes.format(x.size())).toList());
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List guests.")
    static final class ListCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Datacenter dc = Cli.datacenter(spec);
            GuestRuns runs = new GuestRuns(dc.root());
            var listing = dc.guests().list();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (GuestConfig g : listing.items()) {
                Optional<RunInfo> holder = runs.holder(g.vmid());
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("vmid", g.vmid());
                r.put("name", g.name());
                r.put("state", holder.map(RunInfo::purpose).orElse("stopped"));
                r.put("disks", g.disks().stream().map(d -> Map.of("key", d.key(), "volume", d.volume().toString(),
                        "size", d.size())).toList());
                r.put("lock", g.lock() == null ? null : g.lock().toString());
                r.put("fleecing", g.fleecing().stream().map(Object::toString).toList());
                r.put("exports", holder.map(RunInfo::exports).orElse(Map.of()));
                rows.add(r);
            }
            PrintWriter out = Cli.out(spec);
            if (output.json()) {
                OutputOption.printJson(out, rows);
            } else {
                Table t = new Table("VMID", "NAME", "STATE", "DISKS", "LOCK");
                for (GuestConfig g : listing.items()) {
                    var r = rows.stream().filter(x -> x.get("vmid").equals(g.vmid())).findFirst().orElseThrow();
                    t.row(g.vmid(), g.name(), r.get("state"), String.join(" ", g.disks().stream()
                            .map(d -> d.key() + ":" + Sizes.compact(d.size())).toList()),
                            g.lock() == null ? "-" : g.lock().kind());
                }
                t.print(out);
            }
            listing.broken().forEach(b -> Cli.err(spec).println("shear: warning: " + b.getMessage()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Destroy a guest: its disks, leftover fleecing images and configuration.")
    static final class Destroy implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "VMID")
        int vmid;

        @Override
        public Integer call() throws Exception {
            Datacenter dc = Cli.datacenter(spec);
            Optional<RunInfo> holder = new GuestRuns(dc.root()).holder(vmid);
            if (holder.isPresent()) {
                throw new UserError(ExitCodes.REFUSED, "guest " + vmid + " is open (" + holder.get().purpose()
                        + "); stop it first");
            }
            GuestConfig g = dc.guests().get(vmid);
            dc.guests().destroy(vmid);
            Cli.out(spec).println("destroyed guest " + vmid + " (" + g.name() + ") and freed "
                    + g.disks().size() + " disk(s)");
            return ExitCodes.OK;
        }
    }

}
