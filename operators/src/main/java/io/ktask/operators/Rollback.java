package io.ktask.operators;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import io.ktask.operators.FinishedChunks.Finished;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.annotation.Nullable;
import reactor.util.context.Context;

/**
 * One abort's undo pass (ktask undoes serially; "undo must not fail"): given the task's finished,
 * undelivered chunks in ascending order, it undoes each once and hands its result to the discard
 * hook. An undo that throws does not stop the others; it is kept as an {@link UndoFailedException}
 * naming its chunk, and its chunk is not reported as undone.
 */
final class Rollback<T, R> implements Consumer<Finished<T, R>> {

    @Nullable
    private final BiConsumer<? super Chunk<T>, ? super R> undo;
    private final Context context;
    private final List<Long> undone = new ArrayList<>();
    private final List<UndoFailedException> failures = new ArrayList<>();
    /** The first JVM-fatal error an undo threw: rethrown once the task has signalled. */
    @Nullable
    private Throwable fatal;

    Rollback(@Nullable BiConsumer<? super Chunk<T>, ? super R> undo, Context context) {
        this.undo = undo;
        this.context = context;
    }

    @Override
    public void accept(Finished<T, R> f) {
        if (undo != null) {
            try {
                undo.accept(f.chunk, f.result);
                undone.add(f.index);
            } catch (Throwable e) {
                failures.add(new UndoFailedException(f.chunk, e));
                if (fatal == null && Exceptions.isJvmFatal(e)) {
                    fatal = e;
                }
            }
        }
        Operators.onDiscard(f.result, context);
    }

    /**
     * @param cause the task's first failure
     * @param failed the chunk whose work failed, or null
     * @return the error to signal: a {@link KTaskException} whose suppressed list ends with the
     *     failed undos
     */
    KTaskException error(Throwable cause, @Nullable Chunk<?> failed) {
        return new KTaskException(cause, failed, undone);
    }

    /** Adds every failed undo to {@code error}'s suppressed list (after any added before). */
    void suppressInto(Throwable error) {
        failures.forEach(error::addSuppressed);
    }

    /** A cancelled task has no subscriber to tell: failed undos go to {@code Hooks.onErrorDropped}. */
    void dropFailures() {
        failures.forEach(e -> Operators.onErrorDropped(e, context));
    }

    @Nullable
    Throwable fatal() {
        return fatal;
    }
}
