package dev.shear.datacenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocksTest {
    @TempDir
    Path tmp;

    @Test
    void anotherThreadWaitsAtMostTheBoundAndGetsAClearError() throws Exception {
        Locks locks = new Locks(tmp, Duration.ofMillis(100));
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try {
                locks.withLock("guest-100", "guest 100's config", () -> {
                    held.countDown();
                    await(release);
                    return null;
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        held.await();
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> locks.withLock("guest-100", "guest 100's config", ran::incrementAndGet))
                .isInstanceOf(LockUnavailableException.class)
                .hasMessageStartingWith("guest 100's config is locked by another operation (pid "
                        + ProcessHandle.current().pid())
                .hasMessageEndingWith("; try again");
        assertThat(ran).hasValue(0);
        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        assertThat(locks.withLock("guest-100", "guest 100's config", ran::incrementAndGet)).isEqualTo(1);
    }

    static void await(CountDownLatch latch) throws IOException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    @Test
    void aHoldingThreadMayTakeTheLockAgain() throws IOException {
        Locks locks = new Locks(tmp, Duration.ofMillis(100));
        String inner = locks.withLock("storage", "s", () -> locks.withLock("storage", "s", () -> "nested"));
        assertThat(inner).isEqualTo("nested");
        // and it is really free afterwards, for another thread too
        CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> {
            try {
                return locks.withLock("storage", "s", () -> "free");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(other.join()).isEqualTo("free");
    }

    @Test
    void twoLockObjectsOnOneDirectoryShareTheLock() throws Exception {
        Locks a = new Locks(tmp, Duration.ofMillis(100));
        Locks b = new Locks(Files.createSymbolicLink(tmp.resolve("link"), tmp), Duration.ofMillis(100));
        a.withLock("guest-100", "guest 100's config", () -> {
            CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
                try {
                    b.withLock("guest-100", "guest 100's config", () -> null);
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            assertThat(other.join()).isInstanceOf(LockUnavailableException.class);
            return null;
        });
    }

    @Test
    void theWorkRunsUnderTheLockAndItsExceptionPassesThrough() throws IOException {
        Locks locks = new Locks(tmp, Duration.ofMillis(100));
        assertThatThrownBy(() -> locks.withLock("x", "x", () -> {
            throw new IOException("boom");
        })).hasMessage("boom");
        assertThat(locks.withLock("x", "x", () -> 7)).isEqualTo(7);
        assertThat(Files.readString(tmp.resolve("x.lock"))).as("holder note cleared on release").isEmpty();
    }

    @Test
    void lockNamesAreValidated() throws IOException {
        Locks locks = new Locks(tmp, Duration.ofMillis(100));
        for (String bad : List.of("", "../x", "Guest", "a/b", "-x")) {
            assertThatThrownBy(() -> locks.withLock(bad, "x", () -> null)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid lock name");
        }
    }

    @Test
    void anotherProcessHoldingAGuestLockBlocksUpdatesUntilItIsKilled() throws Exception {
        Path root = tmp.resolve("root");
        Datacenter dc = Fixture.open(root);
        dc.guests().createConfig(GuestConfig.of(100, "a", List.of()));
        Process child = LockHolder.start(root, 100);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("holding");
            assertThatThrownBy(() -> dc.guests().update(100, c -> c.withDescription("changed")))
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("guest 100's config is locked by another operation")
                    .hasMessageContaining("pid " + child.pid() + " on ")
                    .hasMessageEndingWith("try again");
            assertThat(dc.guests().get(100).description()).isEmpty();
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        // SIGKILL: the kernel dropped the child's lock, nothing to clean up
        assertThat(dc.guests().update(100, c -> c.withDescription("changed")).description()).isEqualTo("changed");
    }

    @Test
    void anUpdateWaitsForAnotherProcessToReleaseTheLock() throws Exception {
        Path root = tmp.resolve("root");
        Datacenter patient = Datacenter.open(new DatacenterRoot(root, "test"), Duration.ofSeconds(60));
        patient.guests().createConfig(GuestConfig.of(100, "a", List.of()));
        Process child = LockHolder.start(root, 100);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("holding");
            CompletableFuture<GuestConfig> update = CompletableFuture.supplyAsync(() -> {
                try {
                    return patient.guests().update(100, c -> c.withDescription("after"));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(update).as("cannot finish while the child holds the lock").isNotDone();
            child.getOutputStream().close();
            assertThat(out.readLine()).isEqualTo("released");
            assertThat(update.get(60, TimeUnit.SECONDS).description()).isEqualTo("after");
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void concurrentUpdatesFromThreadsAndAnotherProcessLoseNothing() throws Exception {
        Path root = tmp.resolve("root");
        Datacenter a = Datacenter.open(new DatacenterRoot(root, "test"), Duration.ofSeconds(60));
        Datacenter b = Datacenter.open(new DatacenterRoot(root, "test"), Duration.ofSeconds(60));
        a.guests().createConfig(GuestConfig.of(100, "a", List.of()).withDescription("0"));
        Process child = LockHolder.start(root, 100, "increment", "40");
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            assertThat(out.readLine()).isEqualTo("ready");
            List<java.util.concurrent.Future<?>> threads = new java.util.ArrayList<>();
            for (Datacenter dc : List.of(a, b, a, b)) {
                threads.add(pool.submit(() -> {
                    for (int i = 0; i < 15; i++) {
                        dc.guests().update(100, LockHolder::increment);
                    }
                    return null;
                }));
            }
            for (var t : threads) {
                t.get(60, TimeUnit.SECONDS);
            }
            assertThat(out.readLine()).isEqualTo("done");
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(a.guests().get(100).description()).isEqualTo(Integer.toString(4 * 15 + 40));
    }

    @Test
    void aThreadThatGivesUpWaitingDoesNotReleaseTheHoldersLockForOtherProcesses() throws Exception {
        // POSIX record locks vanish when the process closes *any* descriptor of the file, so
        // nothing may open the lock file while another thread of this JVM holds it
        Path root = tmp.resolve("root");
        Datacenter dc = Fixture.open(root);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            try {
                dc.guests().withGuestLock(100, () -> {
                    held.countDown();
                    await(release);
                    return null;
                });
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            held.await();
            assertThatThrownBy(() -> dc.guests().withGuestLock(100, () -> null))
                    .isInstanceOf(LockUnavailableException.class)
                    .hasMessageContaining("(pid " + ProcessHandle.current().pid());
            Process child = LockHolder.start(root, 100, "try");
            String answer = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(answer).isEqualTo("busy");
        } finally {
            release.countDown();
            holder.join();
        }
    }
}
