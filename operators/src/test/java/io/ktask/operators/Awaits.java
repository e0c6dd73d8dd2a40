package io.ktask.operators;

import java.util.function.BooleanSupplier;

/** Polling with a deadline: the test waits for a condition, never for a guessed duration. */
final class Awaits {

    private Awaits() {
    }

    static void until(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 10 s waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
