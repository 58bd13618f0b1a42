package dev.shear.nbd;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/// Log lines of one connection, each prefixed with the connection's label
/// (`nbd #12 127.0.0.1:40312`). Client mistakes are `INFO`, node failures `WARNING`, the
/// ordinary life of a connection `DEBUG`.
final class ConnectionLog {
    private static final Logger LOG = System.getLogger("dev.shear.nbd");

    private final String label;

    ConnectionLog(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    void debug(String msg) {
        LOG.log(Level.DEBUG, () -> label + ": " + msg);
    }

    void info(String msg) {
        LOG.log(Level.INFO, () -> label + ": " + msg);
    }

    void warn(String msg) {
        LOG.log(Level.WARNING, () -> label + ": " + msg);
    }

    void warn(String msg, Throwable t) {
        LOG.log(Level.WARNING, () -> label + ": " + msg, t);
    }
}
