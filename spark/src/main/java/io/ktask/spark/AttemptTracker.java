package io.ktask.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

import scala.jdk.javaapi.CollectionConverters;

/**
 * Follows, from Spark's listener bus, how many task attempts of each ktask job are still running
 * (speculative copies, attempts that outlive a failed job, attempts on a lost executor until
 * Spark declares them lost), so that a job's outcome is signalled only once none of its attempts
 * can still commit or undo. Jobs are recognised by the {@link #JOB_PROPERTY} local property set
 * when they are submitted; other jobs on a shared context are ignored.
 */
final class AttemptTracker extends SparkListener {

    /** The Spark local property that carries a job's token. */
    static final String JOB_PROPERTY = "ktask.spark.job";

    private final Map<String, Track> byToken = new ConcurrentHashMap<>();
    private final Map<Integer, Track> byStage = new ConcurrentHashMap<>();
    private final Map<Integer, Track> byJob = new ConcurrentHashMap<>();

    /** Starts following the job that will be submitted with {@code token}. */
    void expect(String token) {
        byToken.put(token, new Track());
    }

    /**
     * Waits until the job has ended in Spark and none of its attempts is running, or until
     * {@code timeoutMs} passes.
     *
     * @return true if the job drained in time
     */
    boolean awaitDrained(String token, long timeoutMs) throws InterruptedException {
        Track track = byToken.get(token);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (track) {
            while (!track.ended || track.running > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(track, left);
            }
            return true;
        }
    }

    /** Stops following the job. */
    void forget(String token) {
        Track track = byToken.remove(token);
        if (track != null) {
            byStage.values().removeIf(t -> t == track);
            byJob.values().removeIf(t -> t == track);
        }
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        String token = start.properties() == null ? null : start.properties().getProperty(JOB_PROPERTY);
        Track track = token == null ? null : byToken.get(token);
        if (track == null) {
            return;
        }
        byJob.put(start.jobId(), track);
        for (Object stage : CollectionConverters.asJava(start.stageIds())) {
            byStage.put((Integer) stage, track);
        }
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
        Track track = byStage.get(start.stageId());
        if (track != null) {
            synchronized (track) {
                track.running++;
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        Track track = byStage.get(end.stageId());
        if (track != null) {
            synchronized (track) {
                track.running--;
                track.notifyAll();
            }
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
        Track track = byJob.get(end.jobId());
        if (track != null) {
            synchronized (track) {
                track.ended = true;
                track.notifyAll();
            }
        }
    }

    /** One job's counts, guarded by its own monitor. */
    private static final class Track {
        int running;
        boolean ended;
    }
}
