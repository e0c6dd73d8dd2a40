package io.ktask.samples;

/**
 * An input file that does not have the expected format. {@link Main} prints the message (which
 * says where) without a stack trace and exits with {@link Main#EXIT_FAILED}.
 */
final class BadDataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BadDataException(String message) {
        super(message);
    }
}
