package io.ktask.conformance.fault;

/** An exception the fault-injection suite throws on purpose; it names its scenario's seed. */
final class InjectedFault extends RuntimeException implements Injected {

    private static final long serialVersionUID = 1L;

    private final long seed;
    private final Site site;

    InjectedFault(long seed, Site site, String where) {
        super("injected by seed " + seed + " in " + where, null, false, false);
        this.seed = seed;
        this.site = site;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public Site site() {
        return site;
    }
}
