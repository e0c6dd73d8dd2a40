package io.ktask.samples;

import java.util.List;

/**
 * One command of the program: a bulk job run sequentially and with ktask, timed and checked.
 * Subclasses are stateless; {@link #run} may be called any number of times.
 */
abstract class Sample {

    private final String name;
    private final String summary;
    private final String description;
    private final List<Option> options;

    /**
     * @param name the command name, e.g. {@code brc}
     * @param summary one line for the command list
     * @param description a paragraph for {@code <command> --help}
     * @param options the options it accepts ({@link Option#NO_PROGRESS} is added by {@link Main})
     */
    Sample(String name, String summary, String description, List<Option> options) {
        this.name = name;
        this.summary = summary;
        this.description = description;
        this.options = List.copyOf(options);
    }

    final String name() {
        return name;
    }

    final String summary() {
        return summary;
    }

    final String description() {
        return description;
    }

    final List<Option> options() {
        return options;
    }

    /**
     * Checks every option first (a {@link UsageException} before any work), then runs the job,
     * printing what it did to {@code console.out}.
     *
     * @return the outcome; {@link Outcome#ok()} false if a check failed
     * @throws Exception on an I/O error or a failure of the library under demonstration
     */
    abstract Outcome run(CommandLine args, Console console) throws Exception;
}
