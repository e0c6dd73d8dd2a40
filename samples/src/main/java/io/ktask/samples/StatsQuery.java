package io.ktask.samples;

import java.util.List;
import java.util.Map;

/**
 * The checked parameters of {@code GET /stats?n=N[&seed=S][&failAt=I]}: the data set's size and
 * seed, and optionally the position whose chunk fails on purpose (to watch the rollback). Every
 * bad parameter is an {@link HttpError} 400 whose message names it and its value.
 *
 * @param n the number of values, {@code 1..MAX_N}
 * @param seed the data set's seed, any long
 * @param failAt the position whose chunk throws, {@code 0..n-1}, or {@link #NO_FAILURE}
 */
record StatsQuery(long n, long seed, long failAt) {

    /** The largest data set a request may ask for: about a quarter of a second of one core's work. */
    static final long MAX_N = 100_000_000;
    static final long DEFAULT_SEED = 42;
    static final long NO_FAILURE = -1;
    static final String USAGE = "GET /stats?n=<1.." + MAX_N + ">[&seed=<long>][&failAt=<0..n-1>]";
    private static final List<String> KNOWN = List.of("n", "seed", "failAt");

    /**
     * @param params the decoded query parameters
     * @throws HttpError 400 on a missing, unknown, repeated, malformed or out-of-range parameter
     */
    static StatsQuery parse(Map<String, List<String>> params) {
        for (Map.Entry<String, List<String>> p : params.entrySet()) {
            if (!KNOWN.contains(p.getKey())) {
                throw new HttpError(400, "unknown parameter '" + HttpError.shown(p.getKey()) + "' (known: "
                        + String.join(", ", KNOWN) + "; usage: " + USAGE + ")");
            }
            if (p.getValue().size() > 1) {
                throw new HttpError(400, "parameter " + p.getKey() + " was given " + p.getValue().size() + " times");
            }
        }
        if (!params.containsKey("n")) {
            throw new HttpError(400, "parameter n is required (usage: " + USAGE + ")");
        }
        long n = number(params, "n", 1, MAX_N);
        long seed = params.containsKey("seed") ? number(params, "seed", Long.MIN_VALUE, Long.MAX_VALUE) : DEFAULT_SEED;
        long failAt = params.containsKey("failAt") ? number(params, "failAt", 0, n - 1) : NO_FAILURE;
        return new StatsQuery(n, seed, failAt);
    }

    private static long number(Map<String, List<String>> params, String name, long min, long max) {
        String text = params.get(name).get(0);
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "parameter " + name + " must be a whole number but was '" + HttpError.shown(text) + "'");
        }
        if (value < min || value > max) {
            throw new HttpError(400, "parameter " + name + " must be between " + min + " and " + max + " but was " + value);
        }
        return value;
    }
}
