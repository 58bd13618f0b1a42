package dev.shear.app.common;

import javafx.scene.Node;

/// One screen of the app (JabRef's View): builds its nodes from its view model and binds them;
/// holds no engine logic. [#dispose()] ends what it subscribed to when another place is shown.
public interface View {
    /// The screen's root node.
    Node root();

    /// Stops frame subscriptions and refreshes.
    default void dispose() {
    }
}
