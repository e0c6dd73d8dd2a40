package io.ktask.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.ktask.operators.DelimitedFile;
import io.ktask.operators.KTaskException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import reactor.core.publisher.Mono;

/**
 * Runs ktask jobs ({@link SparkJob}: work, merge and undo over a range of units, or over the
 * records of a file) on Apache Spark, all or nothing across the cluster. Each chunk is one Spark
 * partition; the chunk results are merged in chunk order on the driver, so an associative merge
 * need not be commutative.
 *
 * <pre>{@code
 * try (SparkKTask spark = SparkKTask.create()) {             // embedded: local[*]
 *     Long total = spark.reduce(0, n, SparkJob.<Long>of(c -> sum(c.start(), c.end()))
 *             .merge(Long::sum).build()).block();
 * }
 * }</pre>
 *
 * <h2>A file of records</h2>
 * {@link #reduce(Path, SparkJob)} runs a job built with {@link SparkJob#ofRecords} over a file of
 * records that end with a delimiter (lines), cut as the local file support cuts it: the driver
 * opens the file with {@link DelimitedFile}, cuts its bytes into chunks and moves every boundary
 * to a record start with {@link DelimitedFile#boundaries()}; each chunk's attempt opens the file
 * again on its executor and reads only its chunk's bytes. The file must be readable at the same
 * path on the driver and on every executor (a shared filesystem such as NFS, or a copy at that
 * path on every machine; {@code local[N]} and {@code local-cluster} masters share this
 * machine's), and must not change during the job: an attempt that finds another size fails its
 * chunk with a message that says so. Any size works, over 2 GiB included. Commit, undo and
 * merge in chunk order are exactly as for a range.
 *
 * <h2>All or nothing, and what "committed" means</h2>
 * Spark may run a chunk more than once: it retries a failed attempt (up to
 * {@code spark.task.maxFailures}), re-runs the attempts of a lost executor, and with
 * {@code spark.speculation} starts a copy of a slow attempt. Each attempt runs the work, and so
 * may have an effect. An attempt <em>commits</em> when the driver records its result as the
 * chunk's: after its work returns, the attempt sends the result to the driver, and the driver's
 * ledger for the job grants the first attempt of each chunk to ask, as long as the job has not
 * ended. The result travels with the commit, so a committed chunk's result is on the driver even
 * if its executor dies the next moment. Every other attempt of that chunk is denied and undoes
 * its own work at once, on its executor, with its own result. Hence:
 * <ul>
 *   <li>each chunk commits at most once (the ledger records one attempt per chunk);</li>
 *   <li>when the job succeeds, the emitted value merges exactly the committed results, one per
 *       chunk, in chunk order, and no committed chunk is undone;</li>
 *   <li>when the job fails (a chunk failed more times than Spark retries, a losing attempt's undo
 *       failed, the merge failed, or Spark gave up for its own reasons), the ledger is closed,
 *       the driver waits until no attempt of the job is running, then undoes every committed
 *       chunk exactly once, on one driver thread, in ascending chunk order, and only then
 *       signals {@link KTaskException}: cause = the first failure of a chunk that never
 *       committed (Spark's own job failure when no chunk reported one); suppressed = the later
 *       failures of such chunks, then Spark's job failure, then one
 *       {@link io.ktask.operators.UndoFailedException} per undo that threw (it names its chunk); {@link KTaskException#undoneChunks()} = the chunks whose undo returned
 *       normally. Failures of attempts whose chunk later committed were saved by Spark's retries
 *       and are not reported;</li>
 *   <li>an attempt that finishes its work after the job ended is denied and undoes itself, so
 *       an effect is never kept twice, and a committed chunk is undone only by the driver, so
 *       never twice.</li>
 * </ul>
 * What no engine can revert: an attempt whose JVM dies (or that loses the driver) after its work
 * had an effect and before the driver answered its commit leaves that effect, as a process
 * killed in the middle of a local chunk would. As with any Spark job, make the work of a chunk
 * replace what an earlier attempt of the same chunk may have left (write to a location named by
 * the chunk's index, not append).
 *
 * <h2>Threads</h2>
 * Each subscription runs one Spark job, driven from a thread of this engine (named
 * {@code ktask-spark-job-N}), which also runs the merge and the undos of committed chunks and
 * signals the subscriber. Work runs on executors, and so does the undo of a losing attempt.
 * Cancelling the subscription cancels the Spark job, undoes the committed chunks, and signals
 * nothing; results never emitted go to Reactor's discard hook.
 *
 * <h2>Cluster set-up</h2>
 * The driver listens for commits on an ephemeral port of {@code spark.driver.bindAddress} (or
 * {@code spark.driver.host}) and executors connect to {@code spark.driver.host}: the same reach
 * that Spark's own driver port needs. On Java 17+, every JVM running Spark needs the
 * {@code --add-opens} flags listed in this module's README.
 */
public final class SparkKTask implements AutoCloseable {

    /** The default master: an embedded Spark with one worker thread per core. */
    public static final String LOCAL = "local[*]";

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final JavaSparkContext sc;
    private final boolean ownsContext;
    private final CommitServer server;
    private final AttemptTracker tracker = new AttemptTracker();
    private final ExecutorService drivers;
    private final Set<JobRun<?>> running = ConcurrentHashMap.newKeySet();
    private final long commitTimeoutMs;
    private final long drainTimeoutMs;
    private volatile boolean closed;

    private SparkKTask(Builder b) {
        this.ownsContext = b.context == null;
        this.sc = ownsContext ? new JavaSparkContext(b.sparkConf()) : b.context;
        SparkConf conf = sc.getConf();
        String host = conf.get("spark.driver.host");
        try {
            this.server = new CommitServer(conf.get("spark.driver.bindAddress", host), host,
                    Math.min(Integer.MAX_VALUE - 16, conf.getSizeAsBytes("spark.driver.maxResultSize", "1g")));
        } catch (IOException e) {
            if (ownsContext) {
                sc.stop();
            }
            throw new UncheckedIOException("cannot listen for commits on the driver host " + host, e);
        }
        this.commitTimeoutMs = conf.getTimeAsMs("spark.network.timeout", "120s");
        this.drainTimeoutMs = b.drainTimeoutMs;
        sc.sc().addSparkListener(tracker);
        this.drivers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ktask-spark-job-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** @return an engine on an embedded local Spark ({@link #LOCAL}) with the default settings */
    public static SparkKTask create() {
        return builder().build();
    }

    /** @return a builder for an engine */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs {@code job} over the units {@code start .. start + count - 1} as one Spark job per
     * subscription. The range is cut into {@link SparkJob#chunks()} chunks (default: four per
     * core of the cluster, Spark's {@code defaultParallelism}) of at least
     * {@link SparkJob#minChunk()} units, one Spark partition each. The {@link Mono} emits the
     * committed chunk results merged in chunk order, completes empty for {@code count == 0}, or
     * signals {@link KTaskException} after the rollback described in the class documentation.
     * Signals arrive on an engine thread. Compose it like {@code KTask.reduce}'s result
     * ({@code flatMap}, {@code zipWith}, {@code timeout}: a cancel rolls the job back).
     *
     * @param <R> the result type of one chunk (and of the merge)
     * @param start the first unit; {@code start + count} must not overflow
     * @param count how many units, {@code >= 0}
     * @param job the job to run over the units, built with {@link SparkJob#of}; not null
     * @return a {@link Mono} that runs the job once per subscription and emits the merged result
     * @throws IllegalArgumentException if {@code count < 0}, {@code start + count} overflows, or
     *     {@code job} was built with {@link SparkJob#ofRecords} (over a file)
     * @throws NullPointerException if {@code job} is null
     */
    public <R extends Serializable> Mono<R> reduce(long start, long count, SparkJob<R> job) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0 but was " + count);
        }
        if (start + count < start) {
            throw new IllegalArgumentException("start + count overflows: start=" + start + ", count=" + count);
        }
        Objects.requireNonNull(job, "job must not be null");
        if (job.records != null) {
            throw new IllegalArgumentException("job " + job + " works on the records of a file (SparkJob.ofRecords): "
                    + "run it with reduce(file, job)");
        }
        if (count == 0) {
            return Mono.empty();
        }
        return run(job, () -> ChunkPlan.of(start, count, job.minChunk, wanted(job)));
    }

    /**
     * Runs {@code job} over the lines of {@code file}: same as {@code reduce(file, (byte) '\n', job)}.
     *
     * @param <R> the result type of one chunk (and of the merge)
     * @param file a file of lines readable at this path on the driver and on every executor; not null
     * @param job the job to run over its records, built with {@link SparkJob#ofRecords}; not null
     * @return a {@link Mono} that runs the job once per subscription and emits the merged result
     * @throws NullPointerException if {@code file} or {@code job} is null
     * @throws IllegalArgumentException if {@code job} was built with {@link SparkJob#of} (over a range)
     */
    public <R extends Serializable> Mono<R> reduce(Path file, SparkJob<R> job) {
        return reduce(file, (byte) '\n', job);
    }

    /**
     * Runs {@code job} over the records of {@code file} (records end with {@code delimiter}; the
     * last may lack it) as one Spark job per subscription, as described under "A file of
     * records" above. Each subscription opens the file on the driver, reads its size, and cuts
     * the bytes {@code [0, size)} into {@link SparkJob#chunks()} chunks (default: four per core
     * of the cluster) of at least {@link SparkJob#minChunk()} bytes, every boundary moved to the
     * next record start by {@link DelimitedFile#boundaries()}, one Spark partition each; a record
     * longer than a chunk leaves an empty chunk, whose work still runs, as locally. The
     * {@link Mono} emits the committed chunk results merged in chunk order, completes empty for
     * an empty file (as {@code KTask.reduce} over its empty range does), signals the
     * {@link java.io.IOException} of opening the file on the driver before any chunk runs
     * ({@link java.nio.file.NoSuchFileException} when there is none), or signals
     * {@link KTaskException} after the rollback described in the class documentation; an attempt
     * that cannot open or read the file on its executor fails its chunk with an
     * {@link UncheckedIOException} that names the file and the chunk.
     *
     * @param <R> the result type of one chunk (and of the merge)
     * @param file the file, readable at this path on the driver and on every executor (a
     *     relative path is resolved on the driver); not null
     * @param delimiter the byte that ends a record
     * @param job the job to run over its records, built with {@link SparkJob#ofRecords}; not null
     * @return a {@link Mono} that runs the job once per subscription and emits the merged result
     * @throws NullPointerException if {@code file} or {@code job} is null
     * @throws IllegalArgumentException if {@code job} was built with {@link SparkJob#of} (over a range)
     */
    public <R extends Serializable> Mono<R> reduce(Path file, byte delimiter, SparkJob<R> job) {
        Objects.requireNonNull(file, "file must not be null");
        Objects.requireNonNull(job, "job must not be null");
        if (job.records == null) {
            throw new IllegalArgumentException("job " + job + " works on a range of units (SparkJob.of): "
                    + "run it with reduce(start, count, job), or build it with SparkJob.ofRecords");
        }
        return run(job, () -> RecordFile.plan(file, delimiter, job.minChunk, wanted(job)));
    }

    private int wanted(SparkJob<?> job) {
        return job.chunks != SparkJob.AUTO ? job.chunks : 4 * sc.defaultParallelism();
    }

    /** @return a cold Mono whose every subscription plans the chunks on an engine thread and runs the job */
    private <R extends Serializable> Mono<R> run(SparkJob<R> job, Callable<ChunkPlan> planner) {
        return Mono.create(sink -> {
            if (closed) {
                sink.error(new IllegalStateException("this SparkKTask is closed"));
                return;
            }
            JobRun<R> run = new JobRun<>(this, job, planner, sink);
            running.add(run);
            sink.onCancel(run::cancel);
            if (closed) { // close() may have missed this run: its snapshot of `running` was taken
                run.abort(new IllegalStateException("this SparkKTask was closed"));
            }
            try {
                drivers.execute(run);
            } catch (RejectedExecutionException e) { // closed between the checks above and here
                running.remove(run);
                sink.error(new IllegalStateException("this SparkKTask is closed"));
            }
        });
    }

    /** @return the Spark context jobs run on */
    public JavaSparkContext context() {
        return sc;
    }

    /**
     * Aborts the jobs still running (each rolls back and signals {@link KTaskException} whose
     * cause says the engine closed), waits for their rollbacks, stops listening for commits, and
     * stops the Spark context if this engine started it. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        IllegalStateException reason = new IllegalStateException("this SparkKTask was closed");
        running.forEach(run -> run.abort(reason));
        drivers.shutdown();
        try {
            if (!drivers.awaitTermination(drainTimeoutMs + commitTimeoutMs, TimeUnit.MILLISECONDS)) {
                drivers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            server.close();
            sc.sc().removeSparkListener(tracker);
            if (ownsContext) {
                sc.stop();
            }
        }
    }

    @Override
    public String toString() {
        return "SparkKTask{master=" + sc.master() + ", commits at " + server.host() + ":" + server.port() + '}';
    }

    CommitServer server() {
        return server;
    }

    AttemptTracker tracker() {
        return tracker;
    }

    long commitTimeoutMs() {
        return commitTimeoutMs;
    }

    long drainTimeoutMs() {
        return drainTimeoutMs;
    }

    /** @return how many jobs are running (submitted, draining or rolling back) */
    int runningJobs() {
        return running.size();
    }

    void finished(JobRun<?> run) {
        running.remove(run);
    }

    /**
     * Builds a {@link SparkKTask}. Every setter may be called at most once (for
     * {@link #conf(String, String)}: once per key; a second call throws
     * {@link IllegalStateException}) and checks its argument at once
     * ({@link IllegalArgumentException} or {@link NullPointerException} naming the argument and
     * its value). Not thread-safe.
     */
    public static final class Builder {

        private static final String UNSET = null;

        private String master = UNSET;
        private String appName = UNSET;
        private final Map<String, String> conf = new LinkedHashMap<>();
        private JavaSparkContext context;
        private long drainTimeoutMs = TimeUnit.MINUTES.toMillis(10);
        private boolean drainTimeoutSet;

        private Builder() {
        }

        /**
         * Sets the Spark master URL (default {@link SparkKTask#LOCAL}): {@code local[N]},
         * {@code spark://host:port}, {@code yarn}, {@code k8s://...}. For a local master the
         * engine binds Spark's driver to 127.0.0.1 and turns Spark's web UI off, unless
         * {@link #conf} says otherwise.
         *
         * @param master the Spark master URL; not null nor blank
         * @return this builder
         * @throws NullPointerException if {@code master} is null
         * @throws IllegalArgumentException if {@code master} is blank
         * @throws IllegalStateException if master was already set
         */
        public Builder master(String master) {
            requireUnset(this.master == UNSET, "master", this.master);
            Objects.requireNonNull(master, "master must not be null");
            if (master.isBlank()) {
                throw new IllegalArgumentException("master must not be blank but was '" + master + "'");
            }
            this.master = master;
            return this;
        }

        /**
         * Sets the Spark application name (default {@code ktask}).
         *
         * @param appName the application name; not null nor blank
         * @return this builder
         * @throws NullPointerException if {@code appName} is null
         * @throws IllegalArgumentException if {@code appName} is blank
         * @throws IllegalStateException if appName was already set
         */
        public Builder appName(String appName) {
            requireUnset(this.appName == UNSET, "appName", this.appName);
            Objects.requireNonNull(appName, "appName must not be null");
            if (appName.isBlank()) {
                throw new IllegalArgumentException("appName must not be blank but was '" + appName + "'");
            }
            this.appName = appName;
            return this;
        }

        /**
         * Sets one Spark configuration property, e.g. {@code spark.task.maxFailures},
         * {@code spark.speculation}, {@code spark.executor.memory}.
         *
         * @param key the property name; not null nor blank
         * @param value the property value; not null
         * @return this builder
         * @throws NullPointerException if {@code key} or {@code value} is null
         * @throws IllegalArgumentException if {@code key} is blank
         * @throws IllegalStateException if {@code key} was already set
         */
        public Builder conf(String key, String value) {
            Objects.requireNonNull(key, "conf key must not be null");
            Objects.requireNonNull(value, "conf value of " + key + " must not be null");
            if (key.isBlank()) {
                throw new IllegalArgumentException("conf key must not be blank but was '" + key + "'");
            }
            requireUnset(!conf.containsKey(key), "conf " + key, conf.get(key));
            conf.put(key, value);
            return this;
        }

        /**
         * Runs jobs on an existing Spark context instead of starting one (Spark allows one per
         * JVM); {@link SparkKTask#close()} then leaves it running. Not combinable with
         * {@link #master}, {@link #appName} or {@link #conf}.
         *
         * @param context the running Spark context to use; not null
         * @return this builder
         * @throws NullPointerException if {@code context} is null
         * @throws IllegalStateException if context was already set
         */
        public Builder context(JavaSparkContext context) {
            requireUnset(this.context == null, "context", this.context);
            this.context = Objects.requireNonNull(context, "context must not be null");
            return this;
        }

        /**
         * Caps how long a failed or cancelled job waits for its attempts still running before it
         * rolls back and signals (default 10 minutes). Attempts that end later can no longer
         * commit, and undo their own work.
         *
         * @param millis the most milliseconds to wait, {@code >= 1}
         * @return this builder
         * @throws IllegalArgumentException if {@code millis < 1}
         * @throws IllegalStateException if drainTimeoutMillis was already set
         */
        public Builder drainTimeoutMillis(long millis) {
            requireUnset(!drainTimeoutSet, "drainTimeoutMillis", drainTimeoutMs);
            if (millis < 1) {
                throw new IllegalArgumentException("drainTimeoutMillis must be >= 1 but was " + millis);
            }
            this.drainTimeoutMs = millis;
            this.drainTimeoutSet = true;
            return this;
        }

        /**
         * Starts the Spark context (unless one was given) and the driver's commit listener.
         *
         * @return the started engine, to close when done
         * @throws IllegalStateException if {@link #context} was combined with master, appName
         *     or conf
         */
        public SparkKTask build() {
            if (context != null && (master != UNSET || appName != UNSET || !conf.isEmpty())) {
                throw new IllegalStateException("context(...) is exclusive with master, appName and conf: "
                        + "configure the given context instead");
            }
            return new SparkKTask(this);
        }

        SparkConf sparkConf() {
            String url = master != UNSET ? master : LOCAL;
            SparkConf c = new SparkConf().setMaster(url).setAppName(appName != UNSET ? appName : "ktask");
            if (url.startsWith("local")) { // local, local[N], local[N,F], local-cluster[...]: one machine
                c.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                        .set("spark.ui.enabled", "false");
            }
            conf.forEach(c::set);
            return c;
        }

        private static void requireUnset(boolean unset, String name, Object current) {
            if (!unset) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }
    }
}
