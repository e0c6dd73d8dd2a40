package io.ktask.scheduler;

import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The work queue of a per-CPU helper group: a {@link SynchronousQueue} (no capacity: each offer
 * finds a waiting thread or fails, and the executor then starts a thread), in front of which one
 * idle thread at a time spins for {@link #SPIN_NANOS} before it parks. Back-to-back tasks then
 * find their helper awake: handing it a body is one CAS, not a futex wake-up of a parked thread
 * (some 7 us of the caller's time on a VM, plus some 13 us before the helper runs).
 *
 * <p>Why spinning is affordable here: the group's threads are pinned to one CPU that is never the
 * starter's, at the helpers' nice value, so the spin takes no CPU from the task's own thread and
 * yields to any normal-priority thread on its CPU; a spinner that gets no CPU simply misses the
 * next body, which then goes to a parked thread or a new one, as without the spin.
 */
final class SpinningHandOff extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {

    /** How long an idle thread spins before it parks: about one small task's length. */
    static final long SPIN_NANOS = 50_000;

    /** In {@link #slot} while a thread spins for work and none was handed over yet. */
    private static final Runnable WAITING = () -> { };

    private final SynchronousQueue<Runnable> parked = new SynchronousQueue<>();
    /**
     * Null: no spinner. {@link #WAITING}: one spins. Anything else: the body handed to the
     * spinner, which takes it. Only the spinner moves it back to null, so one body at a time.
     */
    private final AtomicReference<Runnable> slot = new AtomicReference<>();

    /** @return true while an idle thread spins here and no body was handed to it yet (a hint, stale at once) */
    boolean spinning() {
        return slot.get() == WAITING;
    }

    @Override
    public boolean offer(Runnable work) {
        // Loses to a spinner that gave up (WAITING -> null) or to another offer: then the parked
        // threads, or a new thread, take it.
        return slot.compareAndSet(WAITING, work) || parked.offer(work);
    }

    @Override
    public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (slot.compareAndSet(null, WAITING)) {
            Runnable work = spin(Math.min(deadline, System.nanoTime() + SPIN_NANOS));
            if (work != null) {
                return work;
            }
        }
        return parked.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /**
     * Spins until a body is handed over or {@code until}; the calling thread set {@link #WAITING}.
     *
     * @return the body, or null if none came (the slot is then free again)
     * @throws InterruptedException if interrupted (executor shut down) with no body handed over
     */
    private Runnable spin(long until) throws InterruptedException {
        while (true) {
            Runnable seen = slot.get();
            if (seen != WAITING) {
                slot.set(null); // only this thread leaves the handed-over state
                return seen;
            }
            boolean interrupted = Thread.interrupted();
            if (interrupted || System.nanoTime() - until >= 0) {
                // Against a racing offer: whichever CAS wins decides whether the body is ours.
                if (slot.compareAndSet(WAITING, null)) {
                    if (interrupted) {
                        throw new InterruptedException();
                    }
                    return null;
                }
                if (interrupted) {
                    // Kept for the executor: before the body it clears it unless it is stopping.
                    Thread.currentThread().interrupt();
                }
                continue; // an offer won: take its body
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public Runnable take() throws InterruptedException {
        return parked.take(); // the executor's core threads only, and its groups have none
    }

    @Override
    public Runnable poll() {
        return parked.poll();
    }

    @Override
    public Runnable peek() {
        return null;
    }

    @Override
    public void put(Runnable work) throws InterruptedException {
        parked.put(work);
    }

    @Override
    public boolean offer(Runnable work, long timeout, TimeUnit unit) throws InterruptedException {
        return slot.compareAndSet(WAITING, work) || parked.offer(work, timeout, unit);
    }

    @Override
    public int remainingCapacity() {
        return 0;
    }

    /** Nothing waits in this queue: a handed-over body already belongs to its spinner. */
    @Override
    public int drainTo(Collection<? super Runnable> c) {
        return 0;
    }

    @Override
    public int drainTo(Collection<? super Runnable> c, int maxElements) {
        return 0;
    }

    @Override
    public Iterator<Runnable> iterator() {
        return Collections.emptyIterator();
    }

    @Override
    public int size() {
        return 0;
    }
}
