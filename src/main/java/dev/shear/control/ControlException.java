package dev.shear.control;

/// A command on the control socket failed; `code` is one of [ControlProtocol]'s error codes.
public class ControlException extends Exception {
    private final String code;

    public ControlException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
