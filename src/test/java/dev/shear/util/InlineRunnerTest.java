package dev.shear.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// The run-here loop of decision 0016 on its own: a queue of work items taken in by one loop.
@Timeout(60)
class InlineRunnerTest {
    /// A loop that runs every queued item on its own thread until it takes [#END].
    private static final class QueueLoop {
        static final Runnable END = () -> { };
        final BlockingQueue<Runnable> items = new LinkedBlockingQueue<>();
        final List<String> ranOn = new CopyOnWriteArrayList<>();
        final InlineRunner<IOException> runner = new InlineRunner<>(this::loop);

        boolean loop() throws InterruptedException, IOException {
            while (true) {
                Runnable item = items.take();
                if (item == END) {
                    return true;
                }
                if (!runner.runHere(() -> {
                    ranOn.add(Thread.currentThread().getName());
                    item.run();
                })) {
                    return false;
                }
            }
        }

        Thread start() {
            return Thread.ofPlatform().name("queue-loop").start(() -> {
                try {
                    runner.runLoop();
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Test
    void itemsRunOnTheLoopsThreadAndOneHoldingItTooLongLetsTheLoopGoOnElsewhere() throws Exception {
        QueueLoop q = new QueueLoop();
        heldItemLetsTheLoopGoOn(q, q.start());
    }

    @Test
    void aWatchdogWithOnlyIdleLoopsParksAndTheNextRequestWakesIt() throws Exception {
        QueueLoop q = new QueueLoop();
        Thread t = q.start();
        q.items.add(() -> { });
        waitUntil(() -> q.ranOn.size() == 1, "the first item ran");
        waitUntil(Watchdog::parked, "the watchdog parks while the loop waits for work");
        heldItemLetsTheLoopGoOn(q, t);
    }

    private static void heldItemLetsTheLoopGoOn(QueueLoop q, Thread t) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        q.items.add(() -> { });
        q.items.add(() -> await(held));
        q.items.add(second::countDown);
        assertThat(second.await(5, TimeUnit.SECONDS)).as("the item behind the held one ran while it held").isTrue();
        assertThat(held.getCount()).isOne();
        Thread carrier = Thread.getAllStackTraces().keySet().stream()
                .filter(x -> x.getName().equals("queue-loop") && x != t).findFirst().orElseThrow();
        held.countDown();
        q.items.add(QueueLoop.END);
        t.join(5_000);
        assertThat(t.isAlive()).as("runLoop returns once the loop ended on the other thread").isFalse();
        assertThat(q.ranOn).containsOnly("queue-loop");      // the carrier takes on the loop's name
        assertThat(carrier).isNotSameAs(t);
    }

    @Test
    void aRequestFailingAfterItsLoopWentOnElsewhereDoesNotEndTheLoop() throws Exception {
        QueueLoop q = new QueueLoop();
        Thread t = q.start();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        q.items.add(() -> {
            await(held);
            throw new IllegalStateException("late failure");
        });
        q.items.add(second::countDown);
        assertThat(second.await(5, TimeUnit.SECONDS)).isTrue();
        held.countDown();                                   // the held request fails now (logged)
        CountDownLatch third = new CountDownLatch(1);
        q.items.add(third::countDown);
        assertThat(third.await(5, TimeUnit.SECONDS)).as("the loop goes on").isTrue();
        Thread.sleep(100);
        assertThat(t.isAlive()).as("runLoop still waits for the loop's real end").isTrue();
        q.items.add(QueueLoop.END);
        t.join(5_000);
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aFailureOnTheThreadCarryingTheLoopOnEndsRunLoopWithIt() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        AtomicReference<InlineRunner<IOException>> runner = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        runner.set(new InlineRunner<>(() -> {
            if (runs.getAndIncrement() == 0) {
                return runner.get().runHere(() -> await(held));   // false once handed off
            }
            throw new IOException("the disk went away");           // on the thread carrying it on
        }));
        Thread releaser = Thread.ofVirtual().start(() -> {
            sleep(200);                                             // well past the hand-off
            held.countDown();
        });
        assertThatThrownBy(runner.get()::runLoop).isInstanceOf(IOException.class).hasMessage("the disk went away");
        releaser.join();
    }

    private static void await(CountDownLatch l) {
        try {
            if (!l.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch never opened");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitUntil(BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }
}
