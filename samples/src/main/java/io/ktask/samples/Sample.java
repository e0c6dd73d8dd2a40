package io.ktask.samples;

import java.util.List;

/**
 * One command of the program: a bulk job run sequentially and with ktask, timed and checked.
 * Implementations are stateless; {@link #run} may be called any number of times.
 */
interface Sample {

    /** @return the command name, e.g. {@code brc} */
    String name();

    /** @return one line for the command list */
    String summary();

    /** @return a paragraph for {@code <command> --help} */
    String description();

    /** @return the options it accepts ({@link Option#NO_PROGRESS} is added by {@link Main}) */
    List<Option> options();

    /**
     * Checks every option first (a {@link UsageException} before any work), then runs the job,
     * printing what it did to {@code console.out}.
     *
     * @return the outcome; {@link Outcome#ok()} false if a check failed
     * @throws Exception on an I/O error or a failure of the library under demonstration
     */
    Outcome run(CommandLine args, Console console) throws Exception;
}
