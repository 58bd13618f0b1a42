package dev.shear.app.common;

/// The app's style classes (defined in `shear.css`, beside [Theme]), so views never use inline
/// styles and one stylesheet themes everything, light and dark.
public final class Styles {
    /// A screen's title.
    public static final String TITLE = "view-title";
    /// The line under a title.
    public static final String SUBTITLE = "view-subtitle";
    /// A section heading inside a screen.
    public static final String SECTION = "section-title";
    /// A screen's padded content.
    public static final String VIEW = "view";
    /// A boxed group of related things.
    public static final String CARD = "card-box";
    /// Names in key/value grids.
    public static final String KEY = "key";
    /// Muted help text under a field.
    public static final String HINT = "hint";
    /// An inline validation message.
    public static final String FIELD_ERROR = "field-error";
    /// A pill showing a state (`stopped`, `running`, …); add the state word as a second class.
    public static final String BADGE = "state-badge";
    /// Monospaced text (URIs, logs).
    public static final String MONO = "mono";
    /// The app header.
    public static final String HEADER = "app-header";
    /// The status line.
    public static final String STATUS = "status-bar";
    /// A usage bar under the warning threshold / above it.
    public static final String USAGE = "usage-bar";
    public static final String USAGE_HIGH = "usage-high";
    /// A small allocation map of a disk.
    public static final String ALLOCATION = "allocation-map";

    private Styles() {
    }
}
