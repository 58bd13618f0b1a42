package dev.shear.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/// Deadlines of work done on the calling thread (decision 0019).
@Timeout(60)
class WatchdogTest {

    @Test
    void workDoneInTimeNeverRunsTheExpiryAction() throws Exception {
        AtomicInteger expired = new AtomicInteger();
        for (int i = 0; i < 1000; i++) {
            Watchdog.Watch w = Watchdog.start(TimeUnit.SECONDS.toNanos(1), expired::incrementAndGet);
            assertThat(w.finish()).isTrue();
        }
        Thread.sleep(1_300);                                 // past every deadline
        assertThat(expired).hasValue(0);
    }

    @Test
    void workPastItsDeadlineIsCarriedOnByAHelperAndItsThreadLearnsSo() throws Exception {
        CompletableFuture<String> carriedOnBy = new CompletableFuture<>();
        long t0 = System.nanoTime();
        Watchdog.Watch w = Watchdog.start(TimeUnit.MILLISECONDS.toNanos(200),
                () -> carriedOnBy.complete(Thread.currentThread().getName()));
        String helper = carriedOnBy.get(10, TimeUnit.SECONDS);   // the "work" is still going on here
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(helper).startsWith("shear-io-helper-");
        assertThat(tookMs).as("expiry after the deadline").isGreaterThanOrEqualTo(200);
        assertThat(w.finish()).as("the work's thread was overtaken").isFalse();
        assertThat(w.finish()).as("and stays so").isFalse();
    }

    @Test
    void finishRacingTheDeadlineHasExactlyOneWinner() throws Exception {
        int n = 200;
        AtomicInteger expired = new AtomicInteger();
        AtomicInteger inTime = new AtomicInteger();
        CountDownLatch expiries = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            Watchdog.Watch w = Watchdog.start(TimeUnit.MILLISECONDS.toNanos(1 + i % 20), () -> {
                expired.incrementAndGet();
                expiries.countDown();
            });
            Thread.sleep(i % 20);
            if (w.finish()) {
                inTime.incrementAndGet();
                expiries.countDown();
            }
        }
        assertThat(expiries.await(20, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);                                   // no late expiry action
        assertThat(expired.get() + inTime.get()).isEqualTo(n);
    }

    @Test
    void aTimeoutOfAnySizeIsHonouredWithoutOverflow() throws Exception {
        AtomicInteger expired = new AtomicInteger();
        Watchdog.Watch longest = Watchdog.start(Long.MAX_VALUE, expired::incrementAndGet);
        Watchdog.Watch years = Watchdog.start(TimeUnit.SECONDS.toNanos(Integer.MAX_VALUE), expired::incrementAndGet);
        Thread.sleep(200);
        assertThat(longest.finish()).isTrue();
        assertThat(years.finish()).isTrue();
        assertThat(expired).hasValue(0);
    }

    @Test
    void aRequestThreadHeldPastItsDeadlineHasAStandInUntilItIsBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch expired = new CountDownLatch(1);
        CompletableFuture<Boolean> inTime = new CompletableFuture<>();
        int before = IoThreads.requestPoolSize();
        IoThreads.request(() -> {
            Watchdog.Watch w = Watchdog.start(TimeUnit.MILLISECONDS.toNanos(50), expired::countDown);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inTime.complete(w.finish());
        });
        assertThat(expired.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(IoThreads.requestPoolSize()).as("one more thread while it is held").isEqualTo(before + 1);
        release.countDown();
        assertThat(inTime.get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(IoThreads.requestPoolSize()).as("back to the pool's size").isEqualTo(before);
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThatThrownBy(() -> Watchdog.start(0, () -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive timeout");
    }

    @Test
    void anIdleWatchdogParksAndTheNextWatchWakesIt() throws Exception {
        Watchdog.start(TimeUnit.SECONDS.toNanos(1), () -> { }).finish();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Watchdog.parked()) {
            assertThat(System.nanoTime()).as("the watchdog parks without watches").isLessThan(deadline);
            Thread.sleep(10);
        }
        CountDownLatch ran = new CountDownLatch(1);
        Watchdog.start(TimeUnit.MILLISECONDS.toNanos(50), ran::countDown);
        assertThat(ran.await(5, TimeUnit.SECONDS)).as("a parked watchdog still expires the next watch").isTrue();
    }
}
