package io.ktask.conformance.fault;

/** An exception the fault-injection suite throws on purpose; it names its scenario's seed. */
final class InjectedFault extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final long seed;

    InjectedFault(long seed, String where) {
        super("injected by seed " + seed + " in " + where, null, false, false);
        this.seed = seed;
    }
}
