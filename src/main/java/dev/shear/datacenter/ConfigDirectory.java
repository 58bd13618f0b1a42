package dev.shear.datacenter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/// Reads every `*.json` file of a directory of configuration files (hidden temporary files of
/// atomic writes are skipped), collecting unreadable ones instead of failing on the first.
public final class ConfigDirectory {
    private ConfigDirectory() {
    }

    /// Says what is wrong with a readable file whose content does not fit its name, or null.
    public interface NameCheck<T> {
        String problem(Path file, T value);
    }

    public static <T> Listing<T> readAll(Path dir, Class<T> type, Comparator<T> order, NameCheck<T> check) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".json") && !n.startsWith(".");
            }).sorted().toList();
        } catch (NoSuchFileException e) {
            return new Listing<>(List.of(), List.of());
        }
        List<T> items = new ArrayList<>();
        List<ConfigException> broken = new ArrayList<>();
        for (Path f : files) {
            try {
                T value = ConfigFiles.read(f, type);
                String problem = check.problem(f, value);
                if (problem != null) {
                    throw new ConfigException(f, problem);
                }
                items.add(value);
            } catch (ConfigException e) {
                broken.add(e);
            } catch (NoSuchFileException removedMeanwhile) {
                // removed between listing and reading (a concurrent destroy): no longer part of the list
                continue;
            }
        }
        items.sort(order);
        return new Listing<>(items, broken);
    }
}
