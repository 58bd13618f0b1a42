package dev.shear.nbd;

/// An option the server answers with an error reply (`NBD_REP_ERR_*`); the handshake goes on.
final class OptionRefused extends Exception {
    private final int replyType;

    OptionRefused(int replyType, String message) {
        super(message);
        this.replyType = replyType;
    }

    int replyType() {
        return replyType;
    }
}
