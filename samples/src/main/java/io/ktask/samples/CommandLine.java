package io.ktask.samples;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The parsed options of one command. Accepts {@code --name value}, {@code --name=value} and
 * flags {@code --name}; rejects unknown options, repeated options, missing values and stray
 * arguments with a {@link UsageException} that names the culprit. Typed getters check ranges the
 * same way, so every bad argument is reported before any work starts.
 */
final class CommandLine {

    private final String command;
    private final Map<String, Option> known;
    private final Map<String, String> given;

    private CommandLine(String command, Map<String, Option> known, Map<String, String> given) {
        this.command = command;
        this.known = known;
        this.given = given;
    }

    /**
     * @param command the command's name, for messages
     * @param options the options it accepts ({@code --help} is handled by the caller)
     * @param args the arguments after the command's name
     * @throws UsageException on any argument that is not one of {@code options}
     */
    static CommandLine parse(String command, List<Option> options, List<String> args) {
        Map<String, Option> known = new HashMap<>();
        for (Option o : options) {
            known.put(o.name(), o);
        }
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException(command, "unexpected argument '" + arg + "' for '" + command + "'");
            }
            int eq = arg.indexOf('=');
            String name = arg.substring(2, eq < 0 ? arg.length() : eq);
            Option option = known.get(name);
            if (option == null) {
                throw new UsageException(command, "unknown option '--" + name + "' for '" + command + "' (known: "
                        + options.stream().map(o -> "--" + o.name()).collect(Collectors.joining(", ")) + ")");
            }
            String value;
            if (option.isFlag()) {
                if (eq >= 0) {
                    throw new UsageException(command, "option --" + name + " takes no value but was given '"
                            + arg.substring(eq + 1) + "'");
                }
                value = "true";
            } else if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException(command, "option --" + name + " needs a value (" + option.synopsis() + ")");
            }
            if (given.put(name, value) != null) {
                throw new UsageException(command, "option --" + name + " was given twice");
            }
        }
        return new CommandLine(command, known, given);
    }

    /** @return whether the option appeared on the command line */
    boolean has(String name) {
        return given.containsKey(option(name).name());
    }

    /** @return the option's value, its default when absent, or null when it has neither */
    String string(String name) {
        Option option = option(name);
        String value = given.get(name);
        return value != null ? value : option.defaultValue();
    }

    /** @return whether the flag was given */
    boolean flag(String name) {
        option(name);
        return given.containsKey(name);
    }

    /**
     * @return the option's value (or default) as a whole number in {@code [min, max]};
     *     underscores may separate digits ({@code 10_000_000})
     * @throws UsageException if it is not a number or out of range
     */
    long number(String name, long min, long max) {
        String text = string(name);
        long value;
        try {
            value = Long.parseLong(text.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(command, "--" + name + " must be a whole number but was '" + text + "'");
        }
        if (value < min || value > max) {
            throw new UsageException(command, "--" + name + " must be between " + min + " and " + max
                    + " but was " + value);
        }
        return value;
    }

    /** @return {@link #number} as an int */
    int intNumber(String name, int min, int max) {
        return (int) number(name, min, max);
    }

    private Option option(String name) {
        Option option = known.get(name);
        if (option == null) {
            throw new IllegalArgumentException("command '" + command + "' has no option --" + name);
        }
        return option;
    }
}
