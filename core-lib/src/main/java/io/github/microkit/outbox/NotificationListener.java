package io.github.microkit.outbox;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL {@code LISTEN} on one connection of its own, calling {@code onNotify} for each batch of notifications.
 * The driver is the application's (microkit-core does not depend on it), so its {@code PGConnection} is reached by
 * reflection. A broken connection is replaced after a pause; meanwhile the relay's poll keeps it going.
 */
final class NotificationListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);

    private final DataSource dataSource;
    private final String channel;
    private final int waitMillis;
    private final Runnable onNotify;
    private final Thread thread;
    private volatile boolean closed;
    private volatile Connection connection;

    private NotificationListener(DataSource dataSource, String channel, Duration wait, Runnable onNotify,
            String threadName) {
        this.dataSource = dataSource;
        this.channel = channel;
        // short waits, so that close() is prompt; a notification ends the wait at once anyway
        this.waitMillis = (int) Math.max(1, Math.min(500, wait.toMillis()));
        this.onNotify = onNotify;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /** A started listener when {@code dataSource} is PostgreSQL with its own driver; null otherwise (poll only). */
    static NotificationListener startIfPostgres(DataSource dataSource, String channel, Duration wait,
            Runnable onNotify) {
        try (Connection probe = dataSource.getConnection()) {
            if (Dialect.of(probe) != Dialect.POSTGRESQL || pgConnectionClass(probe) == null) {
                return null;
            }
        } catch (SQLException e) {
            LOG.debug("no LISTEN for now, the database is not reachable: {}", e.toString());
        }
        NotificationListener listener = new NotificationListener(dataSource, channel, wait, onNotify,
                "microkit-outbox-listen-" + channel);
        listener.thread.start();
        return listener;
    }

    private static Class<?> pgConnectionClass(Connection connection) {
        for (ClassLoader loader : new ClassLoader[] {connection.getClass().getClassLoader(),
                Thread.currentThread().getContextClassLoader(), NotificationListener.class.getClassLoader()}) {
            try {
                return Class.forName("org.postgresql.PGConnection", false, loader);
            } catch (ClassNotFoundException | RuntimeException e) {
                // try the next loader
            }
        }
        return null;
    }

    private void run() {
        long pause = 100;
        while (!closed) {
            try (Connection c = dataSource.getConnection()) {
                connection = c;
                Class<?> pgClass = pgConnectionClass(c);
                if (pgClass == null) {
                    return;
                }
                Object pg = c.unwrap(pgClass);
                Method getNotifications = pgClass.getMethod("getNotifications", int.class);
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + channel);
                }
                pause = 100;
                // a first wake-up covers what was committed before we listened
                onNotify.run();
                while (!closed) {
                    Object[] notifications = (Object[]) getNotifications.invoke(pg, waitMillis);
                    if (notifications != null && notifications.length > 0) {
                        onNotify.run();
                    }
                }
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN " + channel);
                }
            } catch (InvocationTargetException e) {
                if (!closed) {
                    LOG.warn("LISTEN {} lost its connection ({}); relays poll meanwhile, listening again in {} ms",
                            channel, DatabaseException.describe(e.getCause()), pause);
                }
            } catch (SQLException | ReflectiveOperationException | RuntimeException e) {
                if (!closed) {
                    LOG.warn("LISTEN {} failed ({}); relays poll meanwhile, listening again in {} ms", channel,
                            DatabaseException.describe(e), pause);
                }
            } finally {
                connection = null;
            }
            sleep(pause);
            pause = Math.min(pause * 2, 5_000);
        }
    }

    private void sleep(long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!closed && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(50, millis));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            thread.join(waitMillis + 2_000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
