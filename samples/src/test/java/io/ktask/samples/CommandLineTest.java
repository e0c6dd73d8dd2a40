package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class CommandLineTest {

    private static final List<Option> OPTIONS = List.of(
            Option.value("rows", "N", 10, "rows"),
            Option.value("file", "PATH", null, "file"),
            Option.flag("quiet", "quiet"));

    @Test
    void defaultsApplyUntilGiven() {
        CommandLine none = CommandLine.parse("x", OPTIONS, List.of());
        CommandLine some = CommandLine.parse("x", OPTIONS, List.of("--rows=1_000", "--quiet", "--file", "a b"));

        assertThat(none.number("rows", 1, 100)).isEqualTo(10);
        assertThat(none.has("rows")).isFalse();
        assertThat(none.string("file")).isNull();
        assertThat(none.flag("quiet")).isFalse();
        assertThat(some.number("rows", 1, 1000)).isEqualTo(1000);
        assertThat(some.string("file")).isEqualTo("a b");
        assertThat(some.flag("quiet")).isTrue();
    }

    @Test
    void outOfRangeNamesTheOptionTheRangeAndTheValue() {
        CommandLine line = CommandLine.parse("x", OPTIONS, List.of("--rows", "-5"));

        assertThatThrownBy(() -> line.number("rows", 1, 100))
                .isInstanceOf(UsageException.class)
                .hasMessage("--rows must be between 1 and 100 but was -5");
        assertThatThrownBy(() -> CommandLine.parse("x", OPTIONS, List.of("--rows", "99999999999999999999"))
                .number("rows", 1, 100))
                .hasMessage("--rows must be a whole number but was '99999999999999999999'");
    }

    @Test
    void bareDoubleDashIsAnUnexpectedArgument() {
        assertThatThrownBy(() -> CommandLine.parse("x", OPTIONS, List.of("--")))
                .isInstanceOf(UsageException.class)
                .hasMessage("unexpected argument '--' for 'x'");
    }

    @Test
    void askingForAnUndeclaredOptionIsAProgrammingError() {
        CommandLine line = CommandLine.parse("x", OPTIONS, List.of());

        assertThatThrownBy(() -> line.string("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("command 'x' has no option --nope");
    }
}
