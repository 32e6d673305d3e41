package io.github.microkit.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The CPU time of the RabbitMQ node on this machine (the {@code beam.smp} process), read from {@code /proc}, and of
 * this JVM: to tell apart what a client costs from what the broker does meanwhile.
 *
 * <p>After a bulk fill the broker keeps writing the messages out for seconds (queue index, message store); a
 * consume measured during that measures the broker's backlog, not the consumer. {@link #awaitQuiet} waits that out.
 * With no local node (a remote {@code RABBITMQ_URI}) there is nothing to read and nothing is waited for.
 */
final class LocalBroker {

    /** Clock ticks per second of {@code /proc/<pid>/stat}: 100 on every Linux we run on. */
    private static final long TICKS_PER_SECOND = 100;
    private static final long QUIET_WINDOW_MILLIS = 500;
    /** Below this share of one core over a window, the node is quiet. */
    private static final double QUIET_SHARE = 0.15;

    private final Optional<Path> stat;

    private LocalBroker(Optional<Path> stat) {
        this.stat = stat;
    }

    /** The local node, if one runs here. */
    static LocalBroker find() {
        try {
            Process pgrep = new ProcessBuilder("pgrep", "-o", "beam.smp").redirectErrorStream(true).start();
            String pid = new String(pgrep.getInputStream().readAllBytes()).trim();
            pgrep.waitFor(5, TimeUnit.SECONDS);
            Path path = Path.of("/proc", pid, "stat");
            return new LocalBroker(pid.matches("\\d+") && Files.isReadable(path) ? Optional.of(path) : Optional.empty());
        } catch (IOException e) {
            return new LocalBroker(Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new LocalBroker(Optional.empty());
        }
    }

    /** CPU time the node has used so far, in nanoseconds; empty with no local node. */
    Optional<Long> cpuNanos() {
        if (stat.isEmpty()) {
            return Optional.empty();
        }
        try {
            // the command name (field 2) has no spaces for beam.smp; utime and stime are fields 14 and 15
            String[] fields = Files.readString(stat.get()).split(" ");
            long ticks = Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
            return Optional.of(ticks * TimeUnit.SECONDS.toNanos(1) / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Waits (at most {@code max}) until the node used under 15 % of a core over two half-second windows. */
    void awaitQuiet(long maxMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + maxMillis;
        int quietWindows = 0;
        Optional<Long> before = cpuNanos();
        while (before.isPresent() && quietWindows < 2 && System.currentTimeMillis() < deadline) {
            // a measuring window, not a wait for a condition we could be told of: the broker tells nobody it is idle
            TimeUnit.MILLISECONDS.sleep(QUIET_WINDOW_MILLIS);
            Optional<Long> after = cpuNanos();
            if (after.isEmpty()) {
                return;
            }
            double share = (after.get() - before.get()) / (double) TimeUnit.MILLISECONDS.toNanos(QUIET_WINDOW_MILLIS);
            quietWindows = share < QUIET_SHARE ? quietWindows + 1 : 0;
            before = after;
        }
    }
}
