package io.ktask.operators;

/**
 * A blocking call without a value, for {@link KTask#blocking(BlockingAction)}: a
 * {@link Runnable} whose checked exception type is inferred, so that a call that throws none needs
 * no {@code catch} in chunk code.
 *
 * @param <E> the checked exception the call may throw ({@link RuntimeException} when none)
 */
@FunctionalInterface
public interface BlockingAction<E extends Exception> {

    /**
     * Runs on the thread that called {@link KTask#blocking(BlockingAction)}.
     *
     * @throws E if the call fails; {@code KTask.blocking} rethrows it unchanged
     */
    void run() throws E;
}
