package io.ktask.samples;

/**
 * A request {@code serve} refuses: the HTTP status (4xx for the client's mistakes, 503 when busy)
 * and a message meant for the client as is, naming the culprit.
 */
final class HttpError extends RuntimeException {

    private static final long serialVersionUID = 1L;
    /** Longest piece of client input repeated in a message. */
    private static final int SHOWN = 64;

    final int status;

    HttpError(int status, String message) {
        super(message, null, false, false); // the client's mistake, not the server's: no stack trace
        this.status = status;
    }

    /** @return {@code input} as quoted in a message: at most {@value #SHOWN} characters */
    static String shown(String input) {
        return input.length() <= SHOWN ? input : input.substring(0, SHOWN) + "...";
    }
}
