package io.ktask.samples;

/**
 * One response of {@code serve}: a status and a JSON body. Errors are {@code {"error": message}}
 * and may carry more fields.
 *
 * @param status the HTTP status
 * @param json the body, one JSON object
 */
record Reply(int status, String json) {

    static Reply ok(String json) {
        return new Reply(200, json);
    }

    /** @param more further {@code "name":value} members, already JSON, or empty */
    static Reply error(int status, String message, String more) {
        return new Reply(status, "{\"error\":" + quote(message) + (more.isEmpty() ? "" : "," + more) + "}");
    }

    /** @return {@code text} as a JSON string */
    static String quote(String text) {
        StringBuilder b = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
