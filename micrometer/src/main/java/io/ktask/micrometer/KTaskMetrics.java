package io.ktask.micrometer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.ktask.scheduler.KTaskScheduler;
import io.ktask.scheduler.TaskListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import reactor.core.Disposable;

/**
 * Binds one {@link KTaskScheduler} to a Micrometer {@link MeterRegistry}: its
 * {@link KTaskScheduler#stats() stats} as gauges and counters, and a timer of its tasks.
 *
 * <pre>{@code
 * KTaskScheduler ktask = KTaskScheduler.builder().name("import").build();
 * new KTaskMetrics(ktask).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter is tagged {@code scheduler=<the scheduler's name>}, plus the tags given to the
 * constructor:
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>extra tags</th><th>value</th></tr>
 *   <tr><td>{@code ktask.helpers.running}</td><td>gauge</td><td></td>
 *       <td>helpers running now, over all nodes and the unpinned any-node group</td></tr>
 *   <tr><td>{@code ktask.node.helpers.running}</td><td>gauge</td><td>{@code node}</td>
 *       <td>helpers running now on one node</td></tr>
 *   <tr><td>{@code ktask.helpers.limit}</td><td>gauge</td><td></td><td>the global helper limit</td></tr>
 *   <tr><td>{@code ktask.node.helpers.limit}</td><td>gauge</td><td>{@code node}</td>
 *       <td>one node's helper limit</td></tr>
 *   <tr><td>{@code ktask.helpers.enabled}</td><td>gauge</td><td></td>
 *       <td>1 while helpers are enabled, 0 while they are off (the power policy, or
 *       {@code setEnabled(false)})</td></tr>
 *   <tr><td>{@code ktask.tasks.running}</td><td>gauge</td><td></td><td>tasks running now</td></tr>
 *   <tr><td>{@code ktask.chunks}</td><td>counter</td><td></td><td>chunks finished</td></tr>
 *   <tr><td>{@code ktask.helpers.refused}</td><td>counter</td><td>{@code limit}</td>
 *       <td>{@code limit=global}: helpers a task asked for and did not get, the global limit
 *       being reached; {@code limit=node}: helpers that could not go on their task's node, its
 *       limit being reached, and ran on another node instead</td></tr>
 *   <tr><td>{@code ktask.priority.handoffs}</td><td>counter</td><td></td>
 *       <td>times a task's thread lent its priority to one of its helpers</td></tr>
 *   <tr><td>{@code ktask.tasks}</td><td>timer</td><td>{@code mode}, {@code outcome}</td>
 *       <td>task durations, from subscription to the task's last signal; {@code mode} is
 *       {@code merge} or {@code ordered}, {@code outcome} is {@code completed}, {@code failed} or
 *       {@code cancelled} ({@code unknown} for a task whose code did not say)</td></tr>
 * </table>
 *
 * <p>Gauges and counters read the scheduler when the registry publishes (they hold it weakly, as
 * Micrometer's gauges do); the timer records each task when it ends, on the thread that ends it,
 * for tasks that start after {@link #bindTo}. Binding to several registries is allowed; each gets
 * its own meters. {@link #close()} stops the timer of every binding (the meters stay registered,
 * as with Micrometer's own binders).
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
public final class KTaskMetrics implements MeterBinder, AutoCloseable {

    private static final TaskListener.Mode[] MODES = TaskListener.Mode.values();
    private static final TaskListener.Outcome[] OUTCOMES = TaskListener.Outcome.values();

    private final KTaskScheduler scheduler;
    private final Tags tags;
    /** The task listener of each binding, removed by {@link #close()}. */
    private final List<Disposable> bindings = new ArrayList<>();
    private boolean closed;

    /**
     * Meters tagged with the scheduler's name only.
     *
     * @param scheduler the scheduler to measure
     * @throws NullPointerException if {@code scheduler} is null
     */
    public KTaskMetrics(KTaskScheduler scheduler) {
        this(scheduler, Tags.empty());
    }

    /**
     * Meters tagged with the scheduler's name and {@code tags}.
     *
     * @param scheduler the scheduler to measure
     * @param tags more tags for every meter, such as the application's
     * @throws NullPointerException if {@code scheduler} or {@code tags} is null
     */
    public KTaskMetrics(KTaskScheduler scheduler, Iterable<Tag> tags) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("scheduler", scheduler.name());
    }

    /**
     * Registers the meters in {@code registry} and starts timing the scheduler's tasks.
     *
     * @throws IllegalStateException if this binder was closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (bindings) {
            if (closed) {
                throw new IllegalStateException("this KTaskMetrics of " + scheduler.name() + " was closed");
            }
            gauges(registry);
            counters(registry);
            bindings.add(scheduler.addTaskListener(new TaskTimer(registry, tags)));
        }
    }

    private void gauges(MeterRegistry registry) {
        Gauge.builder("ktask.helpers.running", scheduler, s -> s.stats().helpersRunning()).tags(tags)
                .description("Helpers running now, over all nodes and the any-node group").baseUnit("threads")
                .register(registry);
        Gauge.builder("ktask.helpers.limit", scheduler, KTaskScheduler::maxHelpers).tags(tags)
                .description("The global helper limit").baseUnit("threads").register(registry);
        Gauge.builder("ktask.helpers.enabled", scheduler, s -> s.isEnabled() ? 1 : 0).tags(tags)
                .description("1 while helpers are enabled, 0 while they are off").register(registry);
        Gauge.builder("ktask.tasks.running", scheduler, s -> s.stats().tasksRunning()).tags(tags)
                .description("Tasks running now").baseUnit("tasks").register(registry);
        for (int n = 0; n < scheduler.topology().nodeCount(); n++) {
            int node = n;
            Tags nodeTags = tags.and("node", Integer.toString(node));
            Gauge.builder("ktask.node.helpers.running", scheduler, s -> s.stats().helpersRunning(node)).tags(nodeTags)
                    .description("Helpers running now on one node").baseUnit("threads").register(registry);
            Gauge.builder("ktask.node.helpers.limit", scheduler, s -> s.maxHelpersPerNode(node)).tags(nodeTags)
                    .description("The helper limit of one node").baseUnit("threads").register(registry);
        }
    }

    private void counters(MeterRegistry registry) {
        FunctionCounter.builder("ktask.chunks", scheduler, s -> s.stats().chunksDone()).tags(tags)
                .description("Chunks finished").baseUnit("chunks").register(registry);
        FunctionCounter.builder("ktask.helpers.refused", scheduler, s -> s.stats().refusedByGlobalLimit())
                .tags(tags).tag("limit", "global")
                .description("Helpers asked for and refused, the global limit being reached").register(registry);
        FunctionCounter.builder("ktask.helpers.refused", scheduler, s -> s.stats().placedElsewhereByNodeLimit())
                .tags(tags).tag("limit", "node")
                .description("Helpers refused by their preferred node's limit and placed on another node")
                .register(registry);
        FunctionCounter.builder("ktask.priority.handoffs", scheduler, s -> s.stats().priorityHandOffs()).tags(tags)
                .description("Times a task's own thread lent its priority to one of its helpers").register(registry);
    }

    /**
     * Stops timing tasks for every binding made so far; later calls do nothing. The meters stay
     * in their registries.
     */
    @Override
    public void close() {
        synchronized (bindings) {
            closed = true;
            bindings.forEach(Disposable::dispose);
            bindings.clear();
        }
    }

    /** Records each ended task in the timer of its mode and outcome, registered on first use. */
    private static final class TaskTimer implements TaskListener {

        private final MeterRegistry registry;
        private final Tags tags;
        private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(MODES.length * OUTCOMES.length);

        TaskTimer(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
        }

        @Override
        public void taskEnded(Mode mode, Outcome outcome, long durationNanos) {
            int index = mode.ordinal() * OUTCOMES.length + outcome.ordinal();
            Timer timer = timers.get(index);
            if (timer == null) {
                // Racing first uses register the same meter: the registry returns one instance.
                timer = Timer.builder("ktask.tasks").tags(tags)
                        .tag("mode", mode.name().toLowerCase(Locale.ROOT))
                        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                        .description("Task durations, from subscription to the last signal").register(registry);
                timers.set(index, timer);
            }
            timer.record(durationNanos, TimeUnit.NANOSECONDS);
        }
    }
}
