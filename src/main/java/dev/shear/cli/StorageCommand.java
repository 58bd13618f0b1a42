package dev.shear.cli;

import dev.shear.block.ImageFormat;
import dev.shear.datacenter.Capabilities;
import dev.shear.datacenter.Content;
import dev.shear.datacenter.Datacenter;
import dev.shear.datacenter.SpaceUsage;
import dev.shear.datacenter.Storage;
import dev.shear.datacenter.StorageConfig;
import dev.shear.util.Sizes;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/// `shear storage add|list|remove`.
@Command(name = "storage", mixinStandardHelpOptions = true, description = "Manage storages (type dir).",
        subcommands = {StorageCommand.Add.class, StorageCommand.ListCmd.class, StorageCommand.Remove.class})
public final class StorageCommand {

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a directory storage.")
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ID", description = "storage id, e.g. local")
        String id;
        @Option(names = "--path", required = true, paramLabel = "DIR", description = "an existing directory")
        Path path;
        @Option(names = "--content", required = true, split = ",", paramLabel = "TYPE",
                description = "images and/or backup (comma-separated)")
        List<String> content;
        @Option(names = "--formats", split = ",", paramLabel = "FMT", description = "raw,qcow2 (default: both)")
        List<String> formats;
        @Option(names = "--default-format", paramLabel = "FMT", description = "raw (default) or qcow2")
        String defaultFormat;
        @Option(names = "--thin", paramLabel = "BOOL", description = "override detection of thin provisioning")
        Boolean thin;
        @Option(names = "--discard", paramLabel = "BOOL", description = "override detection of discard support")
        Boolean discard;

        @Override
        public Integer call() throws Exception {
            Set<Content> c = EnumSet.noneOf(Content.class);
            content.forEach(s -> c.add(Content.parse(s)));
            StorageConfig config = StorageConfig.dir(id, path.toAbsolutePath().normalize(), c);
            if (formats != null || defaultFormat != null) {
                Set<ImageFormat> f = EnumSet.noneOf(ImageFormat.class);
                (formats == null ? List.of("raw", "qcow2") : formats).forEach(s -> f.add(ImageFormat.parse(s)));
                ImageFormat d = defaultFormat == null ? f.iterator().next() : ImageFormat.parse(defaultFormat);
                config = config.withFormats(f, d);
            }
            config = config.withOverrides(thin, discard);
            Datacenter dc = Cli.datacenter(spec);
            dc.storages().add(config);
            Capabilities caps = dc.storages().get(id).capabilities();
            Cli.out(spec).println("added storage '" + id + "' at " + config.path() + " (thin " + yes(caps.thin())
                    + ", discard " + yes(caps.discard()) + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List storages with usage.")
    static final class ListCmd implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        OutputOption output;

        @Override
        public Integer call() throws Exception {
            Datacenter dc = Cli.datacenter(spec);
            var listing = dc.storages().list();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (StorageConfig c : listing.items()) {
                Storage s = dc.storages().get(c.id());
                SpaceUsage u = s.space();
                Capabilities caps = s.capabilities();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", c.id());
                r.put("path", c.path().toString());
                r.put("content", c.content().stream().map(Content::id).toList());
                r.put("formats", c.formats().stream().map(ImageFormat::id).toList());
                r.put("defaultFormat", c.defaultFormat().id());
                r.put("thin", caps.thin());
                r.put("discard", caps.discard());
                r.put("total", u.total());
                r.put("used", u.used());
                r.put("available", u.available());
                rows.add(r);
            }
            PrintWriter out = Cli.out(spec);
            if (output.json()) {
                OutputOption.printJson(out, rows);
            } else {
                Table t = new Table("ID", "CONTENT", "FORMATS", "THIN", "DISCARD", "USED", "AVAILABLE", "PATH");
                for (var r : rows) {
                    t.row(r.get("id"), String.join(",", (List<String>) r.get("content")),
                            String.join(",", (List<String>) r.get("formats")), yes((Boolean) r.get("thin")),
                            yes((Boolean) r.get("discard")), Sizes.format((Long) r.get("used")),
                            Sizes.format((Long) r.get("available")), r.get("path"));
                }
                t.print(out);
            }
            listing.broken().forEach(b -> Cli.err(spec).println("shear: warning: " + b.getMessage()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a storage definition (its files stay; refused while guests use it).")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            Cli.datacenter(spec).storages().remove(id);
            Cli.out(spec).println("removed storage '" + id + "' (its directory was left as it is)");
            return ExitCodes.OK;
        }
    }

    static String yes(boolean b) {
        return b ? "yes" : "no";
    }
}
