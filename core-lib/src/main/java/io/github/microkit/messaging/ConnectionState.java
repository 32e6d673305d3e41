package io.github.microkit.messaging;

import com.rabbitmq.client.BlockedListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;
import io.github.microkit.health.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What one connection is doing: open, recovering, blocked by the broker. Feeds health and the publisher. */
final class ConnectionState {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionState.class);

    private final String role;
    private final Connection connection;
    private final Object blockedMonitor = new Object();
    private volatile String blockedReason; // null when not blocked
    private volatile Instant lostAt;
    private volatile String lostReason;
    private volatile long recoveries;

    ConnectionState(String role, Connection connection, String target) {
        this.role = role;
        this.connection = connection;
        connection.addBlockedListener(new BlockedListener() {
            @Override
            public void handleBlocked(String reason) {
                LOG.warn("RabbitMQ blocked the {} connection to {}: {}", role, target, reason);
                blockedReason = reason;
            }

            @Override
            public void handleUnblocked() {
                LOG.info("RabbitMQ unblocked the {} connection to {}", role, target);
                synchronized (blockedMonitor) {
                    blockedReason = null;
                    blockedMonitor.notifyAll();
                }
            }
        });
        connection.addShutdownListener(cause -> onLost(cause, target));
        if (connection instanceof Recoverable) {
            ((Recoverable) connection).addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable recoverable) {
                    LOG.info("RabbitMQ {} connection to {} recovered", role, target);
                    recoveries++;
                    lostAt = null;
                    lostReason = null;
                }

                @Override
                public void handleRecoveryStarted(Recoverable recoverable) {
                    LOG.info("RabbitMQ {} connection to {} is recovering", role, target);
                }
            });
        }
    }

    private void onLost(ShutdownSignalException cause, String target) {
        if (cause.isInitiatedByApplication()) {
            return;
        }
        lostAt = Instant.now();
        lostReason = cause.getMessage();
        LOG.warn("RabbitMQ {} connection to {} lost: {}", role, target, cause.getMessage());
        synchronized (blockedMonitor) {
            // a new connection starts unblocked
            blockedReason = null;
            blockedMonitor.notifyAll();
        }
    }

    boolean blocked() {
        return blockedReason != null;
    }

    String blockedReason() {
        String reason = blockedReason;
        return reason == null ? "not blocked" : reason;
    }

    /** Waits until the broker unblocks the connection; true when it is unblocked in time. */
    boolean awaitUnblocked(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (blockedMonitor) {
            while (blockedReason != null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(blockedMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    Health health() {
        Map<String, Object> facts = Map.of("recoveries", recoveries);
        if (!connection.isOpen()) {
            Instant since = lostAt;
            return Health.down(role + " connection is down" + (lostReason == null ? "" : ": " + lostReason)
                    + (since == null ? "" : " (since " + since + ")")).withFacts(facts);
        }
        String blocked = blockedReason;
        if (blocked != null) {
            return Health.down(role + " connection is blocked by the broker: " + blocked).withFacts(facts);
        }
        return Health.up(role + " connection is open").withFacts(facts);
    }
}
