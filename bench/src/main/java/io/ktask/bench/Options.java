package io.ktask.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code key=value} command-line options of the harnesses that are not JMH benchmarks. */
final class Options {

    private Options() {
    }

    /**
     * @param defaults every key the harness knows, with its default
     * @return the defaults overridden by {@code args}
     * @throws IllegalArgumentException for an argument that is not {@code key=value} of a known key
     */
    static Map<String, String> parse(String[] args, Map<String, String> defaults) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1 || !defaults.containsKey(arg.substring(0, eq))) {
                throw new IllegalArgumentException("argument must be key=value with a key in " + defaults.keySet()
                        + " but was '" + arg + "'");
            }
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return options;
    }

    /** @throws IllegalArgumentException naming the option if its value is not an integer >= 1 */
    static int positiveInt(Map<String, String> options, String key) {
        return intAtLeast(options, key, 1);
    }

    /** @throws IllegalArgumentException naming the option if its value is not an integer >= 0 */
    static int nonNegativeInt(Map<String, String> options, String key) {
        return intAtLeast(options, key, 0);
    }

    /** @throws IllegalArgumentException naming the option if its value is not {@code true} or {@code false} */
    static boolean bool(Map<String, String> options, String key) {
        String value = options.get(key).trim();
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new IllegalArgumentException(key + " must be true or false but was '" + value + "'");
    }

    private static int intAtLeast(Map<String, String> options, String key, int min) {
        String value = options.get(key);
        try {
            int v = Integer.parseInt(value.trim());
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be an integer >= " + min + " but was '" + value + "'");
    }
}
