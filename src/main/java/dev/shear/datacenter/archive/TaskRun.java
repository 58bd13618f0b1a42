package dev.shear.datacenter.archive;

import dev.shear.datacenter.TaskId;
import dev.shear.datacenter.TaskLog;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/// A long task (a restore, a verify) running on its own thread: wait for its outcome or cancel it.
///
/// The task always ends with an outcome — success, failure or cancel — never with an exception
/// from [#await()]; the outcome and the task log say what happened. [#cancel()] asks the task to
/// stop at its next check (between chunks of at most 1 MiB) and undo what it did.
///
/// @param <T> the outcome type
public final class TaskRun<T> {
    private final TaskId task;
    private final CompletableFuture<T> outcome = new CompletableFuture<>();
    private volatile boolean cancelled;

    private TaskRun(TaskId task) {
        this.task = task;
    }

    /// Runs `body` on a new daemon thread named `thread`; its result is the outcome.
    static <T> TaskRun<T> start(TaskId task, String thread, Function<TaskRun<T>, T> body) {
        TaskRun<T> run = new TaskRun<>(task);
        Thread.ofPlatform().name(thread).daemon().start(() -> {
            try {
                run.outcome.complete(body.apply(run));
            } catch (RuntimeException | Error e) {
                run.outcome.completeExceptionally(e);
            }
        });
        return run;
    }

    /// The task, whose log has the details.
    public TaskId task() {
        return task;
    }

    /// Asks the task to stop; it undoes its work and ends with a "cancelled" outcome.
    public void cancel() {
        cancelled = true;
    }

    /// True once [#cancel()] was called.
    public boolean isCancelled() {
        return cancelled;
    }

    /// Waits for the outcome.
    ///
    /// @throws IllegalStateException when the task's thread died of a bug (not for task failures)
    public T await() throws InterruptedException {
        try {
            return outcome.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("task " + task + " failed unexpectedly: " + e.getCause(), e.getCause());
        }
    }

    /// Waits at most `timeout`; null while the task still runs.
    public T await(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            return outcome.get(timeout, unit);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("task " + task + " failed unexpectedly: " + e.getCause(), e.getCause());
        }
    }

    /// True once the outcome is there.
    public boolean isDone() {
        return outcome.isDone();
    }

    /// An exception's message on one line (its class name when it has none).
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m).replaceAll("\\R+", " ");
    }

    /// Ends `log` with OK (`error` null) or the error; a log that cannot be written is reported
    /// on the system logger (the outcome still carries the result).
    static void finishLog(TaskLog log, String error) {
        try {
            if (error == null) {
                log.ok();
            } else {
                log.fail(error);
            }
        } catch (IOException | IllegalStateException e) {
            System.getLogger(TaskRun.class.getName()).log(System.Logger.Level.WARNING,
                    "task log " + log.id() + " not finished: " + e.getMessage());
        }
    }
}
