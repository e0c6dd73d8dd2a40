package io.ktask.conformance.fault;

/**
 * A JVM-fatal error by Reactor's rule ({@code Exceptions.isJvmFatal}: a {@link VirtualMachineError})
 * that the suite throws on purpose; the JVM itself is fine. The operator must both report it
 * (cause or suppressed of the task's error) and rethrow it once on the thread that met it.
 */
final class InjectedFatal extends VirtualMachineError implements Injected {

    private static final long serialVersionUID = 1L;

    private final transient Origin origin;

    InjectedFatal(Origin origin) {
        super(origin.message("fatal error"));
        this.origin = origin;
    }

    @Override
    public Origin origin() {
        return origin;
    }
}
