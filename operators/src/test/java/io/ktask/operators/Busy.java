package io.ktask.operators;

/** Simulated work of a known minimum cost: the tests that depend on a measured cost use it as a floor. */
final class Busy {

    private Busy() {
    }

    /** Spins for at least {@code nanos} on the calling thread. */
    static void spin(long nanos) {
        long until = System.nanoTime() + nanos;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }
}
