package io.ktask.operators;

/**
 * A blocking call that returns a value, for {@link KTask#blocking(BlockingCall)}: a
 * {@link java.util.concurrent.Callable} whose checked exception type is inferred, so that a call
 * that throws none needs no {@code catch} in chunk code.
 *
 * @param <V> the value
 * @param <E> the checked exception the call may throw ({@link RuntimeException} when none)
 */
@FunctionalInterface
public interface BlockingCall<V, E extends Exception> {

    /**
     * Runs on the thread that called {@link KTask#blocking(BlockingCall)}.
     *
     * @return the value, which {@code KTask.blocking} returns
     * @throws E if the call fails; {@code KTask.blocking} rethrows it unchanged
     */
    V call() throws E;
}
