package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import io.ktask.brc.BrcGenerator;
import io.ktask.brc.BrcParser;
import io.ktask.operators.DelimitedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample's jobs (prime gaps checked against a plain loop) and runs of the sample on both engines. */
class SparkSampleTest {

    @TempDir
    Path out;

    @Test
    void sieveMatchesTrialDivision() {
        assertThat(PrimeGaps.sieve(0, 100).toString()).isEqualTo("25 primes; largest gap 8 after 89");
        PrimeGaps.Gaps expected = trialDivision(1_000, 30_000);
        assertThat(PrimeGaps.sieve(1_000, 30_000)).isEqualTo(expected);
    }

    @Test
    void mergeIsAssociativeAndOrderMatters() {
        Random random = new Random(20_261_202L);
        PrimeGaps.Gaps whole = PrimeGaps.sieve(0, 200_000);
        for (int round = 0; round < 50; round++) {
            long a = random.nextInt(200_000);
            long b = a + random.nextInt((int) (200_000 - a) + 1);
            PrimeGaps.Gaps x = PrimeGaps.sieve(0, a);
            PrimeGaps.Gaps y = PrimeGaps.sieve(a, b);
            PrimeGaps.Gaps z = PrimeGaps.sieve(b, 200_000);
            assertThat(PrimeGaps.Gaps.merge(PrimeGaps.Gaps.merge(x, y), z)).isEqualTo(whole);
            assertThat(PrimeGaps.Gaps.merge(x, PrimeGaps.Gaps.merge(y, z))).isEqualTo(whole);
        }
        PrimeGaps.Gaps left = PrimeGaps.sieve(0, 1000);
        PrimeGaps.Gaps right = PrimeGaps.sieve(1000, 2000);
        assertThat(PrimeGaps.Gaps.merge(right, left)).as("not commutative").isNotEqualTo(PrimeGaps.Gaps.merge(left, right));
    }

    @Test
    void bothEnginesPrintTheSameResultAndARollbackKeepsNoFile() throws Exception {
        assertThat(run(-1)).contains("148,933 primes; largest gap 132 after 1,357,201; chunk files kept: ")
                .contains("check: same result on both engines");
        assertThat(run(1)).contains("failed: chunk 1 [1048576, 2000000) failed").doesNotContain("FILES KEPT")
                .contains("check: both engines failed and undid every committed chunk");
    }

    @Test
    void brcPrintsTheChallengeOutputOfTheWholeFileOnBothEngines() throws Exception {
        Path file = out.resolve("brc.txt");
        BrcGenerator.write(file, 30_000, 100, 3, written -> { });
        String expected;
        try (DelimitedFile records = DelimitedFile.open(file)) {
            expected = BrcParser.parse(records, 0, records.size()).summaries().toString();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SparkBrc.run("both", "local[2]", file, 0, 1, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[lines.length - 2]).isEqualTo("check: same result on both engines");
        assertThat(lines[lines.length - 1]).startsWith("{").isEqualTo(expected);
        assertThat(Files.exists(file)).as("a given file is kept").isTrue();
    }

    private String run(long failChunk) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SparkSample.run("both", "local[2]", 2_000_000, 1, failChunk, out, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static PrimeGaps.Gaps trialDivision(long from, long to) {
        PrimeGaps.Gaps gaps = PrimeGaps.Gaps.NONE;
        for (long n = Math.max(2, from); n < to; n++) {
            boolean prime = true;
            for (long d = 2; d * d <= n && prime; d++) {
                prime = n % d != 0;
            }
            if (prime) {
                gaps = PrimeGaps.Gaps.merge(gaps, new PrimeGaps.Gaps(1, n, n, 0, -1));
            }
        }
        return gaps;
    }
}
