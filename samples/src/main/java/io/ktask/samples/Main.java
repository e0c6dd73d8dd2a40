package io.ktask.samples;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.ktask.brc.BadDataException;

/**
 * The samples' command line: {@code java -jar ktask-samples.jar [command] [options]}.
 *
 * <p>Commands: {@code brc}, {@code zero}, {@code prealloc}, {@code pipeline} and {@code all}
 * (the default). Each runs a bulk job sequentially and with ktask, prints both times and the
 * speedup, and checks that both gave the same result. {@code serve} runs an HTTP server whose
 * requests are ktask tasks, until it is stopped. {@code --help} works globally and per
 * command.
 *
 * <p>Exit status: {@value #EXIT_OK} when every check passed, {@value #EXIT_FAILED} when a check
 * failed or an error occurred, {@value #EXIT_USAGE} on bad arguments (the message names the
 * argument).
 */
public final class Main {

    /** Exit status: the job ran and every check passed. */
    public static final int EXIT_OK = 0;
    /** Exit status: a check failed (results differ, rollback incomplete) or an error occurred. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: the command line was wrong. */
    public static final int EXIT_USAGE = 2;

    static final String PROGRAM = "java -jar ktask-samples.jar";
    private static final Set<String> HELP = Set.of("--help", "-h", "help");

    private Main() {
    }

    /**
     * Runs the command line and exits the JVM with its status (see {@link #run}).
     *
     * @param args the command and its options
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line without exiting: the entry point of {@link #main} and of the tests.
     * Blocks the calling thread until the command has finished.
     *
     * @param args the command and its options; empty runs {@code all}
     * @param out where the report goes
     * @param err where the progress bar, warnings and errors go
     * @return the exit status: {@link #EXIT_OK}, {@link #EXIT_FAILED} or {@link #EXIT_USAGE}
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<Sample> samples = samples();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        String command = rest.isEmpty() || rest.get(0).startsWith("-") && !HELP.contains(rest.get(0))
                ? AllSample.NAME : rest.remove(0);
        try {
            if (HELP.contains(command)) {
                if (rest.isEmpty()) {
                    out.print(globalHelp(samples));
                    return EXIT_OK;
                }
                out.print(commandHelp(find(samples, rest.get(0))));
                return EXIT_OK;
            }
            Sample sample = find(samples, command);
            if (rest.contains("--help") || rest.contains("-h")) {
                out.print(commandHelp(sample));
                return EXIT_OK;
            }
            CommandLine line = CommandLine.parse(sample.name(), optionsOf(sample), rest);
            Console console = new Console(out, err, !line.flag(Option.NO_PROGRESS.name()));
            return sample.run(line, console).ok() ? EXIT_OK : EXIT_FAILED;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("Run '" + PROGRAM + (e.command == null ? "" : " " + e.command) + " --help' for usage.");
            return EXIT_USAGE;
        } catch (BadDataException e) {
            err.println("error: " + command + ": " + e.getMessage());
            return EXIT_FAILED;
        } catch (IOException | UncheckedIOException e) {
            err.println("error: " + command + ": I/O failure: " + e.getMessage());
            return EXIT_FAILED;
        } catch (Exception e) {
            err.println("error: " + command + " failed: " + e);
            e.printStackTrace(err);
            return EXIT_FAILED;
        }
    }

    static List<Sample> samples() {
        List<Sample> jobs = List.of(new BrcSample(), new ZeroSample(), new PreallocSample(), new PipelineSample());
        List<Sample> all = new ArrayList<>(jobs);
        all.add(new ServeSample()); // not in `all`: a server runs until it is stopped
        all.add(new AllSample(jobs));
        return all;
    }

    static List<Option> optionsOf(Sample sample) {
        List<Option> options = new ArrayList<>(sample.options());
        options.add(Option.NO_PROGRESS);
        return options;
    }

    private static Sample find(List<Sample> samples, String name) {
        return samples.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new UsageException(null, "unknown command '" + name + "' (commands: "
                        + String.join(", ", samples.stream().map(Sample::name).toList()) + ")"));
    }

    static String globalHelp(List<Sample> samples) {
        StringBuilder b = new StringBuilder()
                .append("ktask-samples: ktask for Reactor on real bulk work. Each command runs a job\n")
                .append("sequentially and with ktask, prints both times and the speedup, and checks\n")
                .append("that both gave the same result.\n\n")
                .append("Usage: ").append(PROGRAM).append(" [command] [options]\n")
                .append("       ").append(PROGRAM).append(" <command> --help\n\n")
                .append("Commands:\n");
        for (Sample s : samples) {
            b.append(String.format(Locale.ROOT, "  %-10s %s%n", s.name(), s.summary()));
        }
        return b.append("\nWithout a command, 'all' runs.\n")
                .append("Exit status: 0 every check passed, 1 a check failed or an error occurred, 2 bad arguments.\n")
                .toString();
    }

    static String commandHelp(Sample sample) {
        StringBuilder b = new StringBuilder()
                .append("Usage: ").append(PROGRAM).append(' ').append(sample.name()).append(" [options]\n\n")
                .append(sample.description()).append("\n\nOptions:\n");
        List<Option> options = optionsOf(sample);
        options.add(Option.flag("help", "show this help"));
        for (Option o : options) {
            String left = o.name().equals("help") ? "-h, --help" : o.synopsis();
            b.append(String.format(Locale.ROOT, "  %-20s %s%s%n", left, o.description(),
                    o.defaultValue() == null ? "" : " (default " + o.defaultValue() + ")"));
        }
        return b.toString();
    }
}
