package io.ktask.scheduler;

import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The logger of this module ({@code io.ktask.scheduler}), made on first use. A
 * {@code static final} logger per class would run Reactor's logging set-up (SLF4J probing or
 * java.util.logging) while a fresh JVM builds the default scheduler for its first task, even
 * where nothing is ever logged; here only the first message pays for it.
 */
final class Log {

    private Log() {
    }

    /** {@return the module's logger, made by the first call (the holder's class initialisation)} */
    static Logger logger() {
        return Holder.LOGGER;
    }

    /** Initialised by the JVM, once and thread-safely, when {@link #logger()} first reads it. */
    private static final class Holder {
        static final Logger LOGGER = Loggers.getLogger("io.ktask.scheduler");
    }
}
