package io.ktask.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The commit protocol without Spark: the driver's server and ledger against real sockets, and
 * chunk attempts racing for the same chunk as speculative copies do.
 */
class CommitProtocolTest {

    private static final ChunkPlan PLAN = ChunkPlan.of(0, 40, 1, 4); // 4 chunks of 10

    private CommitServer server;
    private CommitClient client;

    @BeforeEach
    void listen() throws IOException {
        server = new CommitServer("127.0.0.1", "127.0.0.1", 1 << 20);
        client = new CommitClient("127.0.0.1", server.port(), 5_000);
    }

    @AfterEach
    void close() {
        server.close();
    }

    @Test
    void theFirstAttemptToAskCommitsAndARetryOfItIsGrantedAgain() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        assertThat(commit(ledger, 2, 100, "first").code()).isEqualTo(Wire.GRANTED);
        assertThat(commit(ledger, 2, 101, "second").code()).isEqualTo(Wire.DENIED);
        assertThat(commit(ledger, 2, 100, "first, retried").code()).isEqualTo(Wire.GRANTED);
        ledger.close();
        Ledger.Snapshot s = ledger.snapshot();
        assertThat(s.results()[2]).isEqualTo("first");
        assertThat(s.committed(1)).isFalse();
    }

    @Test
    void afterCloseEveryCommitIsDeniedAndAfterRemoveTheJobIsUnknown() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        ledger.close();
        assertThat(commit(ledger, 0, 7, "late").code()).isEqualTo(Wire.DENIED);
        server.remove(ledger);
        assertThat(commit(ledger, 0, 7, "later").code()).isEqualTo(Wire.UNKNOWN_JOB);
        assertThat(ledger.snapshot().committed(0)).isFalse();
    }

    @Test
    void aRepeatedFailureReportCountsOnceAndOnlyUnsavedChunksAreReported() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        send(ledger, Wire.FAILED, 1, 5, Wire.serialize(new IllegalStateException("chunk 1 failed")));
        send(ledger, Wire.FAILED, 1, 5, Wire.serialize(new IllegalStateException("chunk 1 failed")));
        send(ledger, Wire.FAILED, 3, 6, new byte[0]); // unreadable: a stand-in with the text
        commit(ledger, 1, 8, "saved by a retry");
        ledger.close();
        List<Ledger.Failure> unsaved = ledger.snapshot().unsaved();
        assertThat(unsaved).extracting(Ledger.Failure::chunk).containsExactly(3);
        assertThat(unsaved.get(0).error()).hasMessage("text of FAILED");
    }

    @Test
    void twoAttemptsOfOneChunkRacingCommitOnceAndTheLoserUndoesItself() throws Exception {
        for (int round = 0; round < 20; round++) {
            Ledger ledger = server.open(PLAN, getClass().getClassLoader());
            List<String> undone = new CopyOnWriteArrayList<>();
            SparkJob<String> job = SparkJob.<String>of(c -> "r" + c.index()).merge(String::concat)
                    .undo((c, r) -> undone.add(c.index() + ":" + r)).build();
            ChunkAttempt<String> attempt = new ChunkAttempt<>(job, PLAN, ledger.token, client);
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> attempts = new ArrayList<>();
                for (int a = 0; a < 2; a++) {
                    long attemptId = 1000L * round + a;
                    int number = a;
                    attempts.add(pool.submit(() -> {
                        start.await(5, TimeUnit.SECONDS);
                        attempt.run(2, attemptId, number, () -> false);
                        return null;
                    }));
                }
                for (Future<?> f : attempts) {
                    f.get(10, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            ledger.close();
            assertThat(ledger.snapshot().committed(2)).isTrue();
            assertThat(undone).as("round %d: the loser, and only it, undid itself", round).containsExactly("2:r2");
        }
    }

    @Test
    void anAttemptThatFindsTheJobEndedUndoesItsWork() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        List<String> undone = new CopyOnWriteArrayList<>();
        SparkJob<String> job = SparkJob.<String>of(c -> "late").merge(String::concat).undo((c, r) -> undone.add(r)).build();
        ledger.close();
        server.remove(ledger);
        new ChunkAttempt<>(job, PLAN, ledger.token, client).run(0, 1, 0, () -> false);
        assertThat(undone).containsExactly("late");
    }

    @Test
    void aKilledAttemptStartsNoWork() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        SparkJob<String> job = SparkJob.<String>of(c -> {
            throw new AssertionError("work started after the kill");
        }).merge(String::concat).build();
        new ChunkAttempt<>(job, PLAN, ledger.token, client).run(0, 1, 0, () -> true);
        ledger.close();
        assertThat(ledger.snapshot().failures()).isEmpty();
    }

    @Test
    void anUnreachableDriverIsReportedAndTheWorkUndoneWhenNothingWasDelivered() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        List<String> undone = new CopyOnWriteArrayList<>();
        SparkJob<String> job = SparkJob.<String>of(c -> "x").merge(String::concat).undo((c, r) -> undone.add(r)).build();
        try (Socket holder = new Socket()) {
            // The driver's address is a port this test holds bound and never listens on: a connect
            // is refused, and while it is held no other socket can take it, nor can a connect pick
            // it as its own source port (TCP self-connect). Re-binding the closed server's port
            // instead failed in CI: in the moment between, something else had taken it.
            holder.bind(new InetSocketAddress("127.0.0.1", 0));
            CommitClient unreachable = new CommitClient("127.0.0.1", holder.getLocalPort(), 300);
            assertThatThrownBy(() -> new ChunkAttempt<>(job, PLAN, ledger.token, unreachable).run(1, 1, 0, () -> false))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no answer from the driver").hasMessageEndingWith("; undone");
        }
        assertThat(undone).containsExactly("x");
        ledger.close();
        assertThat(ledger.snapshot().committed(1)).as("the driver saw nothing").isFalse();
    }

    @Test
    void malformedRequestsAreRejectedWithAMessageNamingTheField() throws Exception {
        Ledger ledger = server.open(PLAN, getClass().getClassLoader());
        assertThat(raw(out -> out.writeInt(0x12345678))).isEqualTo(reply(Wire.REJECTED,
                "not a ktask-spark commit request: magic was 0x12345678"));
        assertThat(raw(out -> {
            out.writeInt(Wire.MAGIC);
            out.writeByte(9);
        })).isEqualTo(reply(Wire.REJECTED, "protocol version must be 1 but was 9"));
        assertThat(raw(out -> header(out, ledger.token, (byte) 7, 0))).isEqualTo(reply(Wire.REJECTED,
                "request kind must be 1 (commit), 2 (failed) or 3 (undo failed) but was 7"));
        assertThat(raw(out -> header(out, ledger.token, Wire.COMMIT, 4))).isEqualTo(reply(Wire.REJECTED,
                "chunk must be in [0, 4) but was 4"));
        assertThat(raw(out -> {
            header(out, ledger.token, Wire.COMMIT, 0);
            out.writeInt(0);
            out.writeInt(2 << 20);
        })).isEqualTo(reply(Wire.REJECTED, "payload length must be in [0, 1048576] but was 2097152"));
        assertThat(raw(out -> {
            header(out, ledger.token, Wire.COMMIT, 0);
            out.writeInt(-1);
        })).isEqualTo(reply(Wire.REJECTED, "text length must be in [0, 65536] but was -1"));
        assertThat(raw(out -> {
            header(out, ledger.token, Wire.COMMIT, 0);
            out.writeInt(0);
            out.writeInt(3);
            out.write(new byte[] {1, 2, 3});
        })).startsWith(Wire.REJECTED + ":the driver cannot read the result of chunk 0");
        assertThat(raw(out -> header(out, UUID.randomUUID(), Wire.COMMIT, 0)))
                .isEqualTo(reply(Wire.UNKNOWN_JOB, "no open job has this token"));
        ledger.close();
        assertThat(ledger.snapshot().committed(0)).as("nothing malformed committed").isFalse();
    }

    // ------------------------------------------------------------------ helpers

    private CommitClient.Reply commit(Ledger ledger, int chunk, long attemptId, String result) throws IOException {
        return send(ledger, Wire.COMMIT, chunk, attemptId, Wire.serialize(result));
    }

    private CommitClient.Reply send(Ledger ledger, byte kind, int chunk, long attemptId, byte[] payload)
            throws IOException {
        String text = kind == Wire.FAILED ? "text of FAILED" : "";
        return client.send(new Wire.Request(new Wire.Header(ledger.token, kind, chunk, attemptId, 0), text, payload));
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static void header(DataOutputStream out, UUID token, byte kind, int chunk) throws IOException {
        out.writeInt(Wire.MAGIC);
        out.writeByte(Wire.VERSION);
        out.writeLong(token.getMostSignificantBits());
        out.writeLong(token.getLeastSignificantBits());
        out.writeByte(kind);
        out.writeInt(chunk);
        out.writeLong(1);
        out.writeInt(0);
    }

    /** Sends raw bytes, closes the sending side, and returns "code:message". */
    private String raw(Writer writer) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            // Buffered, so the request leaves in one write: the server answers as soon as it meets
            // the bad field and closes, and a later write of ours would then meet a broken pipe.
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            writer.write(out);
            out.flush();
            socket.shutdownOutput();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            return reply(in.readByte(), in.readUTF());
        }
    }

    private static String reply(byte code, String message) {
        return code + ":" + message;
    }
}
