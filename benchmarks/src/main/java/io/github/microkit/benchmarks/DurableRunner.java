package io.github.microkit.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.microkit.messaging.BatchHandler;
import io.github.microkit.messaging.Deduplicator;
import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.MessageHandler;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.PublishConfirm;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Subscription;
import io.github.microkit.messaging.SubscriptionConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.outbox.DurableSchema;
import io.github.microkit.outbox.Inbox;
import io.github.microkit.outbox.InboxHandler;
import io.github.microkit.outbox.Outbox;
import io.github.microkit.outbox.OutboxConfig;
import io.github.microkit.outbox.OutboxRelay;
import io.github.microkit.outbox.OutboxRelayConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code benchmarks/run.sh durable}: the outbox and the inbox on PostgreSQL, in one run, against the in-memory
 * microkit parts and the database's own ceiling. Prints, each figure the median of {@code ROUNDS} interleaved rounds:
 *
 * <pre>
 * RATIO inbox-consume &lt;inbox msg/s&gt; &lt;in-memory-dedup msg/s&gt; &lt;ratio&gt;
 * RATIO outbox-relay &lt;relay msg/s&gt; &lt;plain publisher msg/s&gt; &lt;ratio&gt;
 * DURABLE end-to-end &lt;orders/s&gt;
 * DURABLE pgbench &lt;tps&gt;
 * DURABLE pgbench-order &lt;tps&gt;
 * </pre>
 *
 * <ul>
 *   <li><b>inbox-consume</b>: the same prefilled queue of 1 KB JSON orders drained by two microkit subscriptions with
 *       the same prefetch and concurrency: one {@link Rabbit#subscribeBatches} with {@link Inbox#batchHandler}
 *       whose handler inserts each order (inbox rows + order rows, one transaction and one commit per batch of up
 *       to {@code INBOX_BATCH}, then the acks; with {@code INBOX_BATCH=1} a plain subscription with
 *       {@link Inbox#handler}, one transaction per message), one with {@code Deduplicator.inMemory()} that only
 *       decodes and acks. Concurrency {@code CONCURRENCY} (default 8, pgbench's client count: PostgreSQL needs
 *       concurrent transactions to share its WAL flushes, and the in-memory side gets the same channels).</li>
 *   <li><b>outbox-relay</b>: {@code OUTBOX_ROWS} rows committed to the outbox in one transaction, drained by a
 *       running {@link OutboxRelay} (default config: batches of 200, confirms, mark sent) until it reports them all
 *       sent; against the plain microkit {@link Publisher} (same {@link PublisherConfig}, window 256) publishing the
 *       same number of messages and awaiting every confirm.</li>
 *   <li><b>end-to-end</b>: {@code E2E_CLIENTS} threads commit {@code E2E_ORDERS} orders (an order row and
 *       {@link Outbox#append}, one transaction each); the relay publishes them and an inbox subscription (batched as
 *       in inbox-consume) stores each order in the consumer's table; the clock stops when the last one is committed there.</li>
 *   <li><b>pgbench</b>: {@code pgbench -n -f <one single-row insert> -c 8 -j 2 -T MEASURE_SECONDS} against the same
 *       server, the database's own ceiling for one-insert transactions.</li>
 *   <li><b>pgbench-order</b>: the same, with the transaction each end-to-end order commits (its order row and its
 *       outbox row, the columns {@link Outbox#append} writes, into copies of those tables): the most orders per
 *       second the end-to-end clients could commit on this server if nothing else ran.</li>
 * </ul>
 *
 * <p>One JVM: after a warm-up of every part ({@code WARMUP_SECONDS}), each round runs every measurement, the two
 * sides of a ratio back to back and in alternating order. The database is created for the run and dropped after it.
 * Environment: {@code DATABASE_URL} (a JDBC URL, default {@code jdbc:postgresql://127.0.0.1:5432/postgres}),
 * {@code DATABASE_USERNAME} ({@code postgres}), {@code DATABASE_PASSWORD} ({@code postgres}), {@code RABBITMQ_URI},
 * {@code ROUNDS} (3), {@code WARMUP_SECONDS} (5), {@code MEASURE_SECONDS} (5), {@code CONCURRENCY} (8),
 * {@code PREFETCH} (250), {@code INBOX_BATCH} (100, at most {@code PREFETCH}; 1 = one transaction per message),
 * {@code OUTBOX_ROWS} (30000), {@code E2E_ORDERS} (30000), {@code E2E_CLIENTS} (8).
 */
public final class DurableRunner {

    /** A 1 KB order, as JSON. */
    public record Order(String orderId, String customerId, String notes) {
    }

    private static final String NOTES = "x".repeat(940);
    private static final String ORDER_TABLE = "create table %s (order_id varchar(64) primary key,"
            + " customer_id varchar(64) not null, notes text not null,"
            + " created_at timestamp with time zone not null default current_timestamp)";
    private static final String STORE_ORDER = "insert into bench_stored_order (order_id, customer_id, notes)"
            + " values (?, ?, ?)";
    private static final String PLACE_ORDER = "insert into bench_order (order_id, customer_id, notes) values (?, ?, ?)";
    private static final Pattern POSTGRES_URL = Pattern.compile("^(jdbc:postgresql://([^/?:]*)(?::(\\d+))?)(?:/([^?]*))?(\\?.*)?$");

    private final int rounds = envInt("ROUNDS", 3);
    private final int warmupSeconds = envInt("WARMUP_SECONDS", 5);
    private final int measureSeconds = envInt("MEASURE_SECONDS", 5);
    private final int concurrency = envInt("CONCURRENCY", 8);
    private final int prefetch = envInt("PREFETCH", SubscriptionConfig.DEFAULT_PREFETCH);
    /** Messages per inbox transaction: 1 runs the single-message Inbox.handler, more Inbox.batchHandler. */
    private final int inboxBatch = envInt("INBOX_BATCH", SubscriptionConfig.DEFAULT_BATCH_SIZE);
    private final int outboxRows = envInt("OUTBOX_ROWS", 30_000);
    private final int e2eOrders = envInt("E2E_ORDERS", 30_000);
    private final int e2eClients = envInt("E2E_CLIENTS", 8);
    /** ONLY=consume,relay,e2e,pgbench runs a part of the measurements (for profiling one of them). */
    private final String only = System.getenv().getOrDefault("ONLY", "consume,relay,e2e,pgbench");
    private final String rabbitUri = System.getenv().getOrDefault("RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
    private final String adminUrl = orDefault(System.getenv("DATABASE_URL"), "jdbc:postgresql://127.0.0.1:5432/postgres");
    private final String dbUser = orDefault(System.getenv("DATABASE_USERNAME"), "postgres");
    private final String dbPassword = orDefault(System.getenv("DATABASE_PASSWORD"), "postgres");

    private final ObjectMapper mapper = new ObjectMapper();
    private final RawMessages raw = new RawMessages();
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String dbName = "microkit_bench_" + id;
    private final String exchange = "bench-durable-" + id;
    private final QueueSpec consumeQueue = QueueSpec.classic("bench-durable-consume-" + id).deadLettering(true).build();
    private final QueueSpec relayQueue = QueueSpec.classic("bench-durable-relay-" + id).deadLettering(true).build();
    private final QueueSpec e2eQueue = QueueSpec.classic("bench-durable-e2e-" + id).deadLettering(true).build();

    private HikariDataSource dataSource;
    private Rabbit rabbit;
    private com.rabbitmq.client.Connection admin;
    private Inbox inbox;
    private Publisher relayPublisher;
    private OutboxRelay relay;
    private Publisher plainPublisher;
    /** OUTBOX_NOTIFY=true: appends with pg_notify; unset measures the library's default (off: the relay polls). */
    private final boolean notifyOnAppend = "true".equalsIgnoreCase(System.getenv("OUTBOX_NOTIFY"));
    private final Outbox outbox = Outbox.create(OutboxConfig.builder().notifyOnAppend(notifyOnAppend).build());
    private final AtomicLong consumed = new AtomicLong();
    private volatile Object sink;
    private String pgbench;
    private final java.util.concurrent.atomic.AtomicBoolean tornDown = new java.util.concurrent.atomic.AtomicBoolean();

    private DurableRunner() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        DurableRunner runner = new DurableRunner();
        // Ctrl-C still drops the database and the queues
        Runtime.getRuntime().addShutdownHook(new Thread(runner::tearDown, "durable-bench-cleanup"));
        List<String> lines;
        try {
            lines = runner.run();
        } finally {
            runner.tearDown();
        }
        System.out.println();
        lines.forEach(System.out::println);
        System.exit(0);
    }

    private List<String> run() throws Exception {
        setUp();
        System.out.printf(Locale.ROOT, "# durable: database %s, concurrency %d, prefetch %d, inbox batch %d, outbox rows"
                + " %d, e2e %d orders from %d clients, notify on append %s, %d rounds, warm-up %d s, measure %d s%n",
                dbName, concurrency, prefetch, inboxBatch, outboxRows, e2eOrders, e2eClients, notifyOnAppend, rounds,
                warmupSeconds, measureSeconds);

        // warm-up: every path once, unmeasured, which also sizes the queue fills
        System.out.println("# warm-up");
        double inboxEstimate = 5_000;
        double memoryEstimate = 20_000;
        if (runs("consume")) {
            inboxEstimate = consume(true, warmupSeconds, fillFor(inboxEstimate), "warm-up").rate;
            memoryEstimate = consume(false, warmupSeconds, fillFor(memoryEstimate), "warm-up").rate;
        }
        if (runs("relay")) {
            relayDrain(Math.min(outboxRows, 5_000), "warm-up");
            plainPublish(Math.min(outboxRows, 5_000), "warm-up");
        }
        if (runs("e2e")) {
            endToEnd(Math.min(e2eOrders, 5_000), "warm-up");
        }

        List<Double> inboxRates = new ArrayList<>();
        List<Double> memoryRates = new ArrayList<>();
        List<Double> relayRates = new ArrayList<>();
        List<Double> publisherRates = new ArrayList<>();
        List<Double> e2eRates = new ArrayList<>();
        List<Double> pgbenchRates = new ArrayList<>();
        List<Double> pgbenchOrderRates = new ArrayList<>();
        String pgbenchSkipped = null;
        for (int round = 1; round <= rounds; round++) {
            String label = "round " + round + " of " + rounds;
            System.out.printf("# %s (load: %s)%n", label, loadAverage());
            boolean inboxFirst = round % 2 == 1;
            for (int side = 0; side < 2 && runs("consume"); side++) {
                if ((side == 0) == inboxFirst) {
                    Measured m = consume(true, measureSeconds, fillFor(inboxEstimate), label);
                    inboxRates.add(m.rate);
                    inboxEstimate = m.rate;
                } else {
                    Measured m = consume(false, measureSeconds, fillFor(memoryEstimate), label);
                    memoryRates.add(m.rate);
                    memoryEstimate = m.rate;
                }
            }
            for (int side = 0; side < 2 && runs("relay"); side++) {
                if ((side == 0) == inboxFirst) {
                    relayRates.add(relayDrain(outboxRows, label));
                } else {
                    publisherRates.add(plainPublish(outboxRows, label));
                }
            }
            if (runs("e2e")) {
                e2eRates.add(endToEnd(e2eOrders, label));
            }
            if (!runs("pgbench")) {
                continue;
            }
            if (pgbench != null) {
                pgbenchRates.add(pgbench(label, "pgbench", "single-row insert", SINGLE_INSERT));
                pgbenchOrderRates.add(pgbench(label, "pgbench-order", "order row + outbox row", ORDER_TRANSACTION));
            } else {
                pgbenchSkipped = "DURABLE pgbench skipped: pgbench is not installed. Debian 12 ships it in the server"
                        + " package postgresql-15 (postgresql-contrib pulls that in; postgresql-client-15 does not"
                        + " have it): sudo apt-get install -y postgresql-contrib";
            }
        }

        List<String> lines = new ArrayList<>();
        if (!inboxRates.isEmpty()) {
            lines.add(ratio("inbox-consume", inboxRates, memoryRates, "inbox", "in-memory",
                    String.format(Locale.ROOT, "concurrency %d, prefetch %d, inbox batch %d", concurrency, prefetch,
                            inboxBatch)));
        }
        if (!relayRates.isEmpty()) {
            lines.add(ratio("outbox-relay", relayRates, publisherRates, "relay", "publisher",
                String.format(Locale.ROOT, "%d rows, batch %d, window %d", outboxRows,
                        relay.config().batchSize(), PublisherConfig.defaults().window())));
        }
        if (!e2eRates.isEmpty()) {
            lines.add(String.format(Locale.ROOT, "DURABLE end-to-end %.0f   (rounds: %s; %d orders, %d clients,"
                + " consumer concurrency %d, inbox batch %d, notify on append %s)", RatioRunner.median(e2eRates),
                rounded(e2eRates), e2eOrders, e2eClients, concurrency, inboxBatch, notifyOnAppend));
        }
        if (pgbenchSkipped != null) {
            lines.add(pgbenchSkipped);
        } else if (!pgbenchRates.isEmpty()) {
            lines.add(String.format(Locale.ROOT, "DURABLE pgbench %.0f   (rounds: %s; -n -f <single-row insert>"
                    + " -c 8 -j 2 -T %d)", RatioRunner.median(pgbenchRates), rounded(pgbenchRates), measureSeconds));
            lines.add(String.format(Locale.ROOT, "DURABLE pgbench-order %.0f   (rounds: %s; -n -f <order row + outbox"
                    + " row, one transaction> -c 8 -j 2 -T %d)", RatioRunner.median(pgbenchOrderRates),
                    rounded(pgbenchOrderRates), measureSeconds));
        }
        return lines;
    }

    // ----------------------------------------------------------------------------------------------- set-up

    private void setUp() throws Exception {
        Matcher url = POSTGRES_URL.matcher(adminUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("DATABASE_URL must be a PostgreSQL JDBC URL such as"
                    + " jdbc:postgresql://127.0.0.1:5432/postgres");
        }
        try (Connection c = DriverManager.getConnection(adminUrl, dbUser, dbPassword);
                Statement s = c.createStatement()) {
            s.execute("create database " + dbName);
        }
        String benchUrl = url.group(1) + "/" + dbName + (url.group(5) == null ? "" : url.group(5));
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(benchUrl);
        pool.setUsername(dbUser);
        pool.setPassword(dbPassword);
        pool.setPoolName("durable-bench");
        // consumers + clients + the relay's claim and LISTEN connections + the inbox's cleanup
        pool.setMaximumPoolSize(concurrency + e2eClients + 4);
        dataSource = new HikariDataSource(pool);
        DurableSchema.migrate(dataSource);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(String.format(ORDER_TABLE, "bench_order"));
            s.execute(String.format(ORDER_TABLE, "bench_stored_order"));
            s.execute(String.format(ORDER_TABLE, "bench_pgbench"));
            // pgbench-order's outbox rows go to a copy (columns, defaults, identity, indexes): the relay never sees them
            s.execute("create table bench_pgbench_outbox (like microkit_outbox including all)");
        }

        rabbit = Rabbit.connect(RabbitConfig.builder().uri(rabbitUri).connectionName("bench-durable").build());
        rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT)
                .queue(consumeQueue).bind(exchange, consumeQueue.name(), "consume")
                .queue(relayQueue).bind(exchange, relayQueue.name(), "relay")
                .queue(e2eQueue).bind(exchange, e2eQueue.name(), "order.placed")
                .build());
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(rabbitUri);
        admin = factory.newConnection("bench-durable-admin");

        inbox = Inbox.create(dataSource);
        PublisherConfig publisherConfig = PublisherConfig.builder().appId("bench").build();
        relayPublisher = rabbit.publisher(publisherConfig);
        plainPublisher = rabbit.publisher(publisherConfig);
        relay = OutboxRelay.start(dataSource, relayPublisher, OutboxRelayConfig.defaults());
        pgbench = findPgbench();
    }

    private void tearDown() {
        if (!tornDown.compareAndSet(false, true)) {
            return;
        }
        try {
            if (relay != null) {
                relay.close();
            }
            if (relayPublisher != null) {
                relayPublisher.close();
            }
            if (plainPublisher != null) {
                plainPublisher.close();
            }
            if (inbox != null) {
                inbox.close();
            }
            if (admin != null && admin.isOpen()) {
                try (Channel ch = admin.createChannel()) {
                    for (QueueSpec q : List.of(consumeQueue, relayQueue, e2eQueue)) {
                        ch.queueDelete(q.name());
                        ch.queueDelete(q.deadLetterQueue());
                    }
                    ch.exchangeDelete(exchange);
                    ch.exchangeDelete(consumeQueue.deadLetterExchange());
                    ch.exchangeDelete(relayQueue.deadLetterExchange());
                    ch.exchangeDelete(e2eQueue.deadLetterExchange());
                }
                admin.close();
            }
            if (rabbit != null) {
                rabbit.close();
            }
        } catch (Exception e) {
            System.err.println("# cleaning up the broker failed: " + e);
        }
        if (dataSource != null && !dataSource.isClosed()) {
            dataSource.close();
            try (Connection c = DriverManager.getConnection(adminUrl, dbUser, dbPassword);
                    Statement s = c.createStatement()) {
                s.execute("drop database if exists " + dbName + " with (force)");
            } catch (SQLException e) {
                System.err.println("# could not drop database " + dbName + ": " + e.getMessage());
            }
        }
    }

    // -------------------------------------------------------------------------------------------- inbox-consume

    private record Measured(double rate, long messages, double seconds, boolean drained) {
    }

    /** Enough messages for the measurement at the last rate seen, with a margin. */
    private int fillFor(double rate) {
        return (int) Math.min(600_000, Math.max(20_000, rate * (measureSeconds + 1) * 1.3));
    }

    /**
     * Fills the queue with {@code fill} messages, subscribes, lets it run for a second, then counts for
     * {@code seconds} (or until the queue is nearly empty: then over the time it had messages).
     */
    private Measured consume(boolean withInbox, int seconds, int fill, String label) throws Exception {
        purge(consumeQueue);
        fill(fill);
        consumed.set(0);
        SubscriptionConfig.Builder<Order> config = SubscriptionConfig.forQueue(consumeQueue, Order.class)
                .prefetch(prefetch).concurrency(concurrency);
        // the clock runs from the skip-th message (the prefetch windows filled, the consumers started) to the
        // stop-th, or for `seconds`; the stop-th leaves more than every prefetch window in the queue, so it never ran dry
        long inFlight = (long) prefetch * concurrency;
        long skip = Math.min(inFlight, fill / 10);
        long stop = fill - inFlight - 1_000;
        AtomicLong startedAt = new AtomicLong();
        AtomicLong startedCount = new AtomicLong();
        AtomicLong stoppedAt = new AtomicLong();
        AtomicLong stoppedCount = new AtomicLong();
        IntConsumer counting = n -> {
            long total = consumed.addAndGet(n); // after the inbox's commit
            // a batch may step over a mark: take the count at the step
            if (total - n < skip && total >= skip) {
                startedCount.set(total);
                startedAt.set(System.nanoTime());
            } else if (total - n < stop && total >= stop) {
                stoppedCount.set(total);
                stoppedAt.set(System.nanoTime());
            }
        };
        Subscription subscription;
        if (withInbox) {
            subscription = subscribeInbox(config, "bench-order-store", counting);
        } else {
            subscription = rabbit.subscribe(config.deduplicator(Deduplicator.inMemory()).build(), (order, meta) -> {
                sink = order;
                counting.accept(1);
            });
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (startedAt.get() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + consumed.get() + " messages consumed in 60 s");
                }
                Thread.sleep(1);
            }
            long t0 = startedAt.get();
            long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
            while (stoppedAt.get() == 0 && System.nanoTime() < end) {
                Thread.sleep(1);
            }
            long c0 = startedCount.get();
            long c1;
            long t1;
            boolean drained = stoppedAt.get() != 0;
            if (drained) {
                c1 = stoppedCount.get();
                t1 = stoppedAt.get();
            } else {
                c1 = consumed.get();
                t1 = System.nanoTime();
            }
            double secs = (t1 - t0) / 1e9;
            Measured m = new Measured((c1 - c0) / secs, c1 - c0, secs, drained);
            System.out.printf(Locale.ROOT, "#   %s inbox-consume %-9s %8.0f msg/s  (%d messages in %.2f s%s)%n",
                    label, withInbox ? "inbox" : "in-memory", m.rate, m.messages, m.seconds,
                    drained ? ", stopped before the queue could run dry" : "");
            return m;
        } finally {
            subscription.close(Duration.ofSeconds(10));
            purge(consumeQueue);
        }
    }

    /** Publishes with the raw client until the queue holds {@code count} messages. */
    private void fill(int count) throws Exception {
        // each a distinct order: the inbox side stores every one
        raw.fill(admin, exchange, "consume", count,
                () -> mapper.writeValueAsBytes(new Order(UUID.randomUUID().toString(), "c-42", NOTES)));
    }

    /**
     * An inbox subscription storing each order: batches of {@code INBOX_BATCH} in one transaction each through
     * {@link Inbox#batchHandler}, or with 1 one transaction per message through {@link Inbox#handler}; {@code stored}
     * gets the number of messages after each commit.
     */
    private Subscription subscribeInbox(SubscriptionConfig.Builder<Order> config, String consumer,
            IntConsumer stored) {
        InboxHandler<Order> store = (order, meta, tx) -> {
            try (PreparedStatement ps = tx.prepareStatement(STORE_ORDER)) {
                ps.setString(1, order.orderId());
                ps.setString(2, order.customerId());
                ps.setString(3, order.notes());
                ps.executeUpdate();
            }
        };
        if (inboxBatch == 1) {
            MessageHandler<Order> handler = inbox.handler(consumer, store);
            return rabbit.subscribe(config.build(), (order, meta) -> {
                handler.handle(order, meta);
                stored.accept(1);
            });
        }
        BatchHandler<Order> handler = inbox.batchHandler(consumer, store);
        return rabbit.subscribeBatches(config.batchSize(inboxBatch).build(), batch -> {
            handler.handle(batch);
            stored.accept(batch.size());
        });
    }

    private void purge(QueueSpec queue) throws Exception {
        try (Channel ch = admin.createChannel()) {
            ch.queuePurge(queue.name());
        }
    }

    // --------------------------------------------------------------------------------------------- outbox-relay

    /** Commits {@code rows} outbox rows in one transaction; the running relay drains them. */
    private double relayDrain(int rows, String label) throws Exception {
        purge(relayQueue);
        long before = relay.stats().published();
        try (Connection tx = dataSource.getConnection()) {
            tx.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                String orderId = UUID.randomUUID().toString();
                outbox.append(tx, OutboundMessage.to(exchange, "relay").payload(new Order(orderId, "c-42", NOTES))
                        .type("order.placed.v1").build(), orderId);
            }
            tx.commit();
            tx.setAutoCommit(true);
        }
        long t0 = System.nanoTime();
        relay.wakeUp(); // the NOTIFY at commit does this too
        long deadline = t0 + TimeUnit.SECONDS.toNanos(600);
        while (relay.stats().published() - before < rows) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the relay published " + (relay.stats().published() - before)
                        + " of " + rows + " rows in 600 s: " + relay.stats());
            }
            Thread.sleep(1);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double rate = rows / secs;
        System.out.printf(Locale.ROOT, "#   %s outbox-relay  relay     %8.0f msg/s  (%d rows published, confirmed and"
                + " marked sent in %.2f s)%n", label, rate, rows, secs);
        purge(relayQueue);
        return rate;
    }

    /** The plain publisher: the same number of messages, every confirm awaited. */
    private double plainPublish(int messages, String label) throws Exception {
        purge(relayQueue);
        long t0 = System.nanoTime();
        List<CompletableFuture<PublishConfirm>> confirms = new ArrayList<>(messages);
        for (int i = 0; i < messages; i++) {
            confirms.add(plainPublisher.publish(OutboundMessage.to(exchange, "relay")
                    .payload(new Order(UUID.randomUUID().toString(), "c-42", NOTES)).type("order.placed.v1").build()));
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t0) / 1e9;
        double rate = messages / secs;
        System.out.printf(Locale.ROOT, "#   %s outbox-relay  publisher %8.0f msg/s  (%d messages confirmed in %.2f s)%n",
                label, rate, messages, secs);
        purge(relayQueue);
        return rate;
    }

    // ---------------------------------------------------------------------------------------------- end-to-end

    private double endToEnd(int orders, String label) throws Exception {
        purge(e2eQueue);
        String prefix = "e2e-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        AtomicLong stored = new AtomicLong();
        Subscription subscription = subscribeInbox(SubscriptionConfig.forQueue(e2eQueue, Order.class)
                .prefetch(prefetch).concurrency(concurrency), "order-store", stored::addAndGet);
        try {
            AtomicInteger next = new AtomicInteger();
            AtomicLong appendedAt = new AtomicLong();
            List<Thread> clients = new ArrayList<>();
            List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
            long t0 = System.nanoTime();
            for (int c = 0; c < e2eClients; c++) {
                Thread client = new Thread(() -> {
                    try {
                        for (int i = next.getAndIncrement(); i < orders; i = next.getAndIncrement()) {
                            // as a request handler does: a pooled connection per order, one transaction
                            try (Connection tx = dataSource.getConnection()) {
                                tx.setAutoCommit(false);
                                String orderId = prefix + i;
                                try (PreparedStatement ps = tx.prepareStatement(PLACE_ORDER)) {
                                    ps.setString(1, orderId);
                                    ps.setString(2, "c-42");
                                    ps.setString(3, NOTES);
                                    ps.executeUpdate();
                                }
                                outbox.append(tx, OutboundMessage.to(exchange, "order.placed")
                                        .payload(new Order(orderId, "c-42", NOTES)).type("order.placed.v1").build(),
                                        orderId);
                                tx.commit();
                            }
                        }
                        appendedAt.accumulateAndGet(System.nanoTime(), Math::max);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }, "bench-client-" + c);
                client.start();
                clients.add(client);
            }
            long deadline = t0 + TimeUnit.SECONDS.toNanos(600);
            while (stored.get() < orders) {
                if (!errors.isEmpty()) {
                    throw new IllegalStateException("a client failed", errors.get(0));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + stored.get() + " of " + orders + " orders were stored"
                            + " in 600 s; relay: " + relay.stats());
                }
                Thread.sleep(1);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            for (Thread client : clients) {
                client.join();
            }
            double appendSecs = (appendedAt.get() - t0) / 1e9;
            long rows;
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "select count(*) from bench_stored_order where order_id like ?")) {
                ps.setString(1, prefix + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rows = rs.getLong(1);
                }
            }
            if (rows != orders) {
                throw new IllegalStateException("the consumer's table holds " + rows + " of " + orders + " orders");
            }
            double rate = orders / secs;
            System.out.printf(Locale.ROOT, "#   %s end-to-end              %8.0f orders/s  (%d orders stored once each"
                    + " in %.2f s; appends committed at %.0f orders/s)%n", label, rate, orders, secs,
                    orders / appendSecs);
            return rate;
        } finally {
            subscription.close(Duration.ofSeconds(10));
        }
    }

    // -------------------------------------------------------------------------------------------------- pgbench

    private static String findPgbench() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File candidate = new File(dir, "pgbench");
            if (candidate.canExecute()) {
                return candidate.getPath();
            }
        }
        File lib = new File("/usr/lib/postgresql");
        File[] versions = lib.listFiles();
        if (versions != null) {
            java.util.Arrays.sort(versions);
            for (int i = versions.length - 1; i >= 0; i--) {
                File candidate = new File(versions[i], "bin/pgbench");
                if (candidate.canExecute()) {
                    return candidate.getPath();
                }
            }
        }
        return null;
    }

    /** The row the inbox handler inserts: a 1 KB order with a text primary key. */
    private static final String SINGLE_INSERT = "insert into bench_pgbench (order_id, customer_id, notes)"
            + " values (gen_random_uuid()::text, 'c-42', repeat('x', 940));\n";
    /**
     * What an end-to-end client commits per order: the order row and, as {@link Outbox#append} writes it, the outbox
     * row (a 1 KB JSON body, trace and publisher headers).
     */
    private static final String ORDER_TRANSACTION = """
            \\set id random(1, 1000000000)
            begin;
            insert into bench_pgbench (order_id, customer_id, notes)
              values ('o-' || :client_id || '-' || :id || '-' || gen_random_uuid()::text, 'c-42', repeat('x', 940));
            insert into bench_pgbench_outbox (message_id, exchange, routing_key, ordering_key, message_type,
                content_type, correlation_id, app_id, traceparent, tracestate, headers, body, mandatory, created_at)
              values (gen_random_uuid()::text, 'bench-durable', 'order.placed', gen_random_uuid()::text,
                'order.placed.v1', 'application/json', null, 'bench',
                '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', null,
                '{"x-publisher-id":"bench-durable-relay"}', convert_to(repeat('y', 1010), 'UTF8'), true,
                current_timestamp);
            commit;
            """;

    private double pgbench(String label, String name, String describe, String sql) throws Exception {
        Matcher url = POSTGRES_URL.matcher(adminUrl);
        url.matches();
        Path script = Files.createTempFile("durable-pgbench", ".sql");
        try {
            Files.writeString(script, sql);
            List<String> command = List.of(pgbench, "-n", "-f", script.toString(), "-c", "8", "-j", "2",
                    "-T", String.valueOf(measureSeconds), "-h", url.group(2),
                    "-p", url.group(3) == null ? "5432" : url.group(3), "-U", dbUser, dbName);
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", dbPassword);
            Process process = pb.start();
            StringBuilder out = new StringBuilder();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.append(line).append('\n');
                }
            }
            int exit = process.waitFor();
            Matcher tps = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)").matcher(out);
            if (exit != 0 || !tps.find()) {
                throw new IllegalStateException("pgbench failed (exit " + exit + "):\n" + out);
            }
            double rate = Double.parseDouble(tps.group(1));
            System.out.printf(Locale.ROOT, "#   %s %-23s %8.0f tps  (%s)%n", label, name, rate,
                    String.join(" ", command.subList(1, command.size())).replace(script.toString(),
                            "<" + describe + ">"));
            return rate;
        } finally {
            Files.deleteIfExists(script);
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private boolean runs(String part) {
        return java.util.Arrays.asList(only.split(",")).contains(part);
    }

    private static String ratio(String name, List<Double> ours, List<Double> baseline, String ourLabel,
            String baselineLabel, String notes) {
        double a = RatioRunner.median(ours);
        double b = RatioRunner.median(baseline);
        return String.format(Locale.ROOT, "RATIO %s %.0f %.0f %.3f   (rounds: %s %s, %s %s; %s)", name, a, b, a / b,
                ourLabel, rounded(ours), baselineLabel, rounded(baseline), notes);
    }

    private static String rounded(List<Double> values) {
        List<String> out = new ArrayList<>();
        for (double v : values) {
            out.add(String.format(Locale.ROOT, "%.0f", v));
        }
        return String.join("/", out);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static int envInt(String name, int defaultValue) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? defaultValue : Integer.parseInt(value.strip());
    }
}
