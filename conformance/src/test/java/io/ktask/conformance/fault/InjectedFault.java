package io.ktask.conformance.fault;

/** An exception the fault-injection suite throws on purpose; it names its scenario's seed. */
final class InjectedFault extends RuntimeException implements Injected {

    private static final long serialVersionUID = 1L;

    private final transient Origin origin;

    InjectedFault(Origin origin) {
        super(origin.message("fault"), null, false, false);
        this.origin = origin;
    }

    @Override
    public Origin origin() {
        return origin;
    }
}
