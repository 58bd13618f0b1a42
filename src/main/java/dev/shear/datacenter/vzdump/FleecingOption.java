package dev.shear.datacenter.vzdump;

import java.util.Locale;

/// vzdump's `--fleecing [enabled=]<bool>,storage=<id>` property string.
///
/// @param enabled whether old data goes to fleecing images
/// @param storage the image storage for them (required when enabled)
public record FleecingOption(boolean enabled, String storage) {
    public static final FleecingOption OFF = new FleecingOption(false, null);

    public FleecingOption {
        if (enabled && (storage == null || storage.isBlank())) {
            throw new IllegalArgumentException("'storage' parameter is required when 'enabled' is set");
        }
    }

    /// Parses `enabled=1,storage=fast`, `1,storage=fast`, `storage=fast,enabled=yes`, `0`.
    public static FleecingOption parse(String text) {
        Boolean enabled = null;
        String storage = null;
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = eq < 0 ? "enabled" : p.substring(0, eq).trim();
            String value = eq < 0 ? p : p.substring(eq + 1).trim();
            switch (key) {
                case "enabled" -> enabled = bool(value);
                case "storage" -> storage = value;
                default -> throw new IllegalArgumentException("unknown fleecing property '" + key
                        + "' (use enabled=<1|0>,storage=<id>)");
            }
        }
        return new FleecingOption(enabled != null && enabled, storage);
    }

    private static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "yes", "on", "true" -> true;
            case "0", "no", "off", "false" -> false;
            default -> throw new IllegalArgumentException("fleecing 'enabled' must be 1 or 0, not '" + v + "'");
        };
    }

    @Override
    public String toString() {
        return enabled ? "enabled=1,storage=" + storage : "enabled=0";
    }
}
