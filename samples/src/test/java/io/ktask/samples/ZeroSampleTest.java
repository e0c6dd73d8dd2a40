package io.ktask.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

class ZeroSampleTest {

    @Test
    void tinyRunClearsEveryByteBothWays() {
        Cli cli = Cli.run("zero", "--mib", "8", "--runs", "3", "--no-progress");

        assertThat(cli.exit()).isEqualTo(Main.EXIT_OK);
        assertThat(cli.out()).contains("cleared 8 MiB", "single thread", "ktask", "GB/s", "check: every byte zero");
    }

    @Test
    void ktaskBarIsFedByTheTasksProgressReports() throws Exception {
        Watched run = Watched.run(new ZeroSample(), "--mib", "8", "--runs", "1");

        run.assertBars("zero ktask", 2, ProgressBar.Feed.TASKS, 8 << 20);
        run.assertBars("zero single thread", 2, ProgressBar.Feed.HAND, 8 << 20);
    }

    @Test
    void firstNonZeroFindsTheLastByte() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4099);
        assertThat(ZeroSample.firstNonZero(buffer)).isEqualTo(-1);

        buffer.put(4098, (byte) 1);
        assertThat(ZeroSample.firstNonZero(buffer)).isEqualTo(4098);

        ZeroSample.fill(buffer, 4096, 4099, new byte[64]);
        buffer.put(9, (byte) 1);
        assertThat(ZeroSample.firstNonZero(buffer)).isEqualTo(8);
    }

    @Test
    void moreThanTheOffHeapLimitIsAUsageError() {
        long limitMib = ZeroSample.directMemoryLimit() >> 20;
        if (limitMib >= 2047) {
            return; // the JVM allows every size the option accepts
        }
        Cli cli = Cli.run("zero", "--mib", String.valueOf(limitMib + 1));

        assertThat(cli.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(cli.err()).contains("is more than the JVM's off-heap limit", "-XX:MaxDirectMemorySize=");
    }
}
