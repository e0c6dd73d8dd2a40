package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link Stats}, {@link StatsQuery} and {@link Reply} on their own, without a server. */
class StatsTest {

    @Test
    void statsOfAStretchAreComputedFromItsValues() {
        long[] values = {Stats.value(7, 10), Stats.value(7, 11), Stats.value(7, 12)};
        Stats stats = Stats.over(7, 10, 13);

        long sum = Arrays.stream(values).sum();
        long min = Arrays.stream(values).min().orElseThrow();
        long max = Arrays.stream(values).max().orElseThrow();
        assertThat(stats.count()).isEqualTo(3);
        assertThat(stats.toJson(3, 7, 0)).contains("\"count\":3,\"sum\":" + sum + ",\"min\":" + min + ",\"max\":" + max);
        assertThat(Arrays.stream(values).allMatch(v -> v >= 0 && v < Stats.RANGE)).as("values in [0, RANGE)").isTrue();
    }

    @Test
    void mergingAdjacentStretchesGivesTheWhole() {
        Stats whole = Stats.over(42, 0, 10_000);
        for (long cut : new long[] {1, 17, 5_000, 9_999}) {
            Stats merged = Stats.over(42, 0, cut).merge(Stats.over(42, cut, 10_000));
            assertThat(merged.chunks()).isEqualTo(2);
            assertThat(without("chunks", merged.toJson(10_000, 42, 0))).isEqualTo(without("chunks", whole.toJson(10_000, 42, 0)));
        }
    }

    @Test
    void theHistogramCountsEveryValueOnce() {
        String json = Stats.over(1, 0, 100_000).toJson(100_000, 1, 0);
        String buckets = json.replaceAll(".*\"histogram\":\\[([0-9,]+)].*", "$1");
        assertThat(Arrays.stream(buckets.split(",")).mapToLong(Long::parseLong).sum()).isEqualTo(100_000);
        assertThat(buckets.split(",")).hasSize(Stats.BUCKETS);
    }

    @Test
    void aQueryTakesDefaultsForTheOptionalParameters() {
        assertThat(StatsQuery.parse(Map.of("n", List.of("5")))).isEqualTo(new StatsQuery(5, StatsQuery.DEFAULT_SEED,
                StatsQuery.NO_FAILURE));
        assertThat(StatsQuery.parse(Map.of("n", List.of("5"), "seed", List.of("-3"), "failAt", List.of("4"))))
                .isEqualTo(new StatsQuery(5, -3, 4));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "seed=1                  | parameter n is required",
        "n=                      | parameter n must be a whole number but was ''",
        "n=1e3                   | parameter n must be a whole number but was '1e3'",
        "n=0                     | parameter n must be between 1 and 100000000 but was 0",
        "n=100000001             | parameter n must be between 1 and 100000000 but was 100000001",
        "n=99999999999999999999  | parameter n must be a whole number but was '99999999999999999999'",
        "n=10,failAt=10          | parameter failAt must be between 0 and 9 but was 10",
        "n=10,failAt=-1          | parameter failAt must be between 0 and 9 but was -1",
        "n=10,seed=x             | parameter seed must be a whole number but was 'x'",
        "n=10,size=3             | unknown parameter 'size' (known: n, seed, failAt;",
    })
    void badParametersAre400sThatNameTheParameterAndItsValue(String query, String message) {
        Map<String, List<String>> params = new HashMap<>();
        for (String p : query.split(",")) {
            String[] kv = p.split("=", -1);
            params.put(kv[0], List.of(kv[1]));
        }
        assertThatThrownBy(() -> StatsQuery.parse(params)).isInstanceOf(HttpError.class)
                .hasMessageStartingWith(message).satisfies(e -> assertThat(((HttpError) e).status).isEqualTo(400));
    }

    @Test
    void aRepeatedParameterIsRefused() {
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("n", List.of("1", "2"))))
                .hasMessage("parameter n was given 2 times");
    }

    @Test
    void longClientInputIsShortenedInMessages() {
        assertThat(HttpError.shown("x".repeat(1000))).hasSize(67).endsWith("...");
        assertThat(HttpError.shown("short")).isEqualTo("short");
    }

    @Test
    void errorMessagesAreValidJsonStrings() {
        assertThat(Reply.error(400, "a \"quoted\" \\ path\n\u0001", "\"x\":1").json())
                .isEqualTo("{\"error\":\"a \\\"quoted\\\" \\\\ path\\u000a\\u0001\",\"x\":1}");
    }

    private static String without(String member, String json) {
        return json.replaceAll(",\"" + member + "\":[0-9.]+", "");
    }
}
