package io.ktask.brc;

/**
 * An input file that does not have the expected format; the message says where (the byte offset)
 * and what was found. The samples print it without a stack trace.
 */
public final class BadDataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and where
     */
    public BadDataException(String message) {
        super(message);
    }
}
