package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void globalHelpListsEveryCommand(String help) {
        Cli cli = Cli.run(help);

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("Usage: java -jar ktask-samples.jar [command] [options]")
                .contains("  brc ", "  zero ", "  prealloc ", "  pipeline ", "  serve ", "  all ");
        assertThat(cli.err()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"brc", "zero", "prealloc", "pipeline", "serve", "all"})
    void eachCommandHasItsOwnHelpWithEveryOption(String command) {
        Cli cli = Cli.run(command, "--help");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).startsWith("Usage: java -jar ktask-samples.jar " + command + " [options]")
                .contains("--no-progress", "-h, --help");
        Sample sample = Main.samples().stream().filter(s -> s.name().equals(command)).findFirst().orElseThrow();
        for (Option o : sample.options()) {
            assertThat(cli.out()).contains(o.synopsis());
        }
        assertThat(Cli.run("help", command).out()).isEqualTo(cli.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bogus                              | unknown command 'bogus' (commands: brc, zero, prealloc, pipeline, serve, all)",
        "brc --rowz 3                       | unknown option '--rowz' for 'brc'",
        "brc --rows ten                     | --rows must be a whole number but was 'ten'",
        "brc --rows 0                       | --rows must be between 1 and 10000000000 but was 0",
        "zero --mib 4096                    | --mib must be between 1 and 2047 but was 4096",
        "prealloc --fail-at -1              | --fail-at must be between 0 and",
        "pipeline --nodes                   | option --nodes needs a value (--nodes N)",
        "pipeline --inputs 2 --inputs 3     | option --inputs was given twice",
        "zero 12                            | unexpected argument '12' for 'zero'",
        "zero --no-progress=yes             | option --no-progress takes no value but was given 'yes'",
        "all --scale 0                      | --scale must be between 1 and 1000 but was 0",
        "help bogus                         | unknown command 'bogus'",
        "brc --helper-nice 20               | --helper-nice must be between 0 and 19 but was 20",
        "prealloc --max-helpers 0           | --max-helpers must be between 1 and 4096 but was 0",
        "all --helper-nice -1               | --helper-nice must be between 0 and 19 but was -1",
        "pipeline --nodes 0                 | --nodes must be between 1 and 64 but was 0",
        "zero --runs 0                      | --runs must be between 1 and 100 but was 0",
        "all --runs 101                     | --runs must be between 1 and 100 but was 101",
        "serve --port 65536                 | --port must be between 0 and 65535 but was 65536",
        "serve --port http                  | --port must be a whole number but was 'http'",
        "serve --seconds -1                 | --seconds must be between 0 and 31536000 but was -1",
        "serve --max-jobs 0                 | --max-jobs must be between 1 and 1024 but was 0",
        "serve --runs 2                     | unknown option '--runs' for 'serve'",
    })
    void badArgumentsExitWithUsageStatusAndNameTheCulprit(String line, String message) {
        Cli cli = Cli.run(line.trim().split(" +"));

        assertThat(cli.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(cli.err()).startsWith("error: " + message.trim()).contains("--help' for usage.");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void optionsAcceptEqualsFormAndUnderscores() {
        Cli cli = Cli.run("zero", "--mib=2", "--no-progress");
        Cli underscores = Cli.run("brc", "--rows", "1_000", "--stations=7", "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("cleared 2 MiB");
        assertThat(underscores.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(underscores.out()).contains("1,000 rows", "identical for 7 stations");
    }
}
