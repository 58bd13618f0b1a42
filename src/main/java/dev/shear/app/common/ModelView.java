package dev.shear.app.common;

import javafx.scene.Node;

/// A [View] over a view model that must be closed when the view goes (it refreshes itself).
public abstract class ModelView implements View {
    private final Runnable close;
    private Node root;

    /// @param close what ends the view model's subscriptions
    protected ModelView(Runnable close) {
        this.close = close;
    }

    /// Sets the screen's root node (once, when built).
    protected final void setRoot(Node root) {
        this.root = root;
    }

    @Override
    public final Node root() {
        return root;
    }

    @Override
    public final void dispose() {
        close.run();
    }
}
