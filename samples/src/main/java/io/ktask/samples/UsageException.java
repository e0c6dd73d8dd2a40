package io.ktask.samples;

/**
 * A bad command line: unknown command or option, a missing value, or a value out of range. The
 * message is meant for the user as is; {@link Main} prints it and exits with
 * {@link Main#EXIT_USAGE}.
 */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The command whose {@code --help} the user should read, or null for the global help. */
    final String command;

    UsageException(String command, String message) {
        super(message);
        this.command = command;
    }
}
