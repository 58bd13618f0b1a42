package dev.shear.nbd;

/// A request the server refuses with an NBD error value (a client mistake, such as a range past
/// the end or a flag the command does not take); the connection goes on.
final class RequestError extends Exception {
    private final int errno;

    RequestError(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    int errno() {
        return errno;
    }
}
