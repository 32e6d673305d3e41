package io.github.microkit.benchmarks;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Subscription;
import io.github.microkit.messaging.SubscriptionConfig;
import io.github.microkit.messaging.Topology;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Consuming 1 KB persistent JSON messages with manual acks and a prefetch of 250: the microkit subscription against
 * a raw amqp-client consumer doing the same work (decode the JSON body into the same record, ack each message).
 *
 * <p>{@code microkit}/{@code raw} drain a new queue filled before each iteration (at least 200,000 messages, more
 * for longer iterations; a drain that empties it fails rather than measure an empty queue) and deleted after it; one
 * operation is one message consumed. A new queue each time, so that every iteration starts from the same broker
 * state: topping up one queue, each fork's last iteration read what three fills had left behind, and in four of six
 * forks it was the slowest (broker CPU per message 106 to 133 us, against 88 to 92 in the one before). The broker's
 * cost still varies from iteration to iteration by as much, for reasons not found yet (98 to 175 us per message in
 * measured iterations, on both sides), which is why the rounds repeat.
 *
 * <p>{@code microkitPubsub}/{@code rawPubsub} publish with confirms (window 256) and consume the same messages at
 * once, with at most 2,000 published but not yet consumed; one operation is one message through both. Both sides
 * publish on one connection and consume on another, as microkit does (a publisher the broker blocks must not stop its
 * consumers): with the raw side on one shared connection, the broker spent about 20 % less CPU per message on it than
 * on microkit's two.
 *
 * <p>Each JMH fork runs one method, so only that method's side is set up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConsumeBenchmark {

    public static final String RATIO = "consume{variant}-{queueType}";
    public static final int[] THREADS = {1};
    /**
     * Publish-and-consume runs more of microkit's code than of the raw client's: after 5 s of warm-up it was still
     * being compiled in the first measured iteration (client CPU per message 108-180 us against 40 us later).
     */
    public static final int WARMUP_SECONDS = 10;
    /**
     * Two warm-up iterations, because every drain iteration ends by closing its subscription and begins with a new
     * fill: both take paths the compiled code had never seen (deliveries while draining, a publisher sequence that
     * starts again), so the JIT throws away the compiled dispatch path ({@code -XX:+PrintCompilation}: {@code
     * RabbitSubscription.deliver}, {@code admit}, {@code LossDetector$Tracker.record} and amqp-client's {@code
     * WorkPoolRunnable.run} "made not entrant") and compiles it again during the next iteration. After one warm-up
     * iteration that happened in the first measured one: microkit's client used 36 to 50 us of CPU per message
     * against raw's 23 to 29. After two, the measured iterations ran the recompiled code: 26 against 22 to 25. A
     * long-lived subscription pays this once; raw's smaller dispatch path pays it too, sooner.
     */
    public static final int WARMUP_ITERATIONS = 2;

    private static final int BATCH = 1_000;
    private static final int PREFETCH = 250;
    private static final int WINDOW = 256;
    private static final int MAX_LAG = 2_000;
    private static final int MIN_FILL = 200_000;
    /**
     * Messages per second of iteration to fill ({@code CONSUME_FILL_RATE}): above the drain rates seen here (4,000 to
     * 20,500 msg/s), not far above. At 70,000 the 15 s warm-up filled 1,050,000 messages, which the broker was still
     * writing out a minute later: the warm-up then consumed 15,000 of them, the client's code was still being compiled
     * in the first measured iteration, and the next fork's broker was slower by up to three times per message.
     */
    private static final int FILL_RATE = Integer.parseInt(System.getenv().getOrDefault("CONSUME_FILL_RATE", "30000"));
    /** A drain that waits this long for its next batch has run out of messages: the fill was too small. */
    private static final long DRY_SECONDS = 30;
    /** At most this long waiting for the broker to finish writing out a fill. */
    private static final long QUIET_MAX_MILLIS = 60_000;

    @Param({"classic"})
    public String queueType;

    /** A 1 KB order, as JSON. */
    public record Order(String orderId, String customerId, String notes) {
    }

    private final Order order = new Order(UUID.randomUUID().toString(), "c-42", "x".repeat(940));
    private final String uri = System.getenv().getOrDefault("RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
    private final ObjectMapper mapper = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    private final ObjectReader reader = mapper.readerFor(Order.class);
    private final RawMessages raw = new RawMessages();

    private String method;
    private String exchange;
    private String id;
    /** pubsub: the queue of the whole trial; a drain: this iteration's queue. */
    private QueueSpec spec;
    private int drainIteration;
    private Connection admin;

    /** Batches of BATCH messages consumed; the benchmark methods take one permit per invocation. */
    private final Semaphore batches = new Semaphore(0);
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private volatile Object sink;
    private final LocalBroker broker = LocalBroker.find();
    private long consumedAtStart;
    private long jvmCpuAtStart;
    private Optional<Long> brokerCpuAtStart = Optional.empty();

    private Rabbit rabbit;
    private Subscription subscription;
    private Publisher publisher;

    private Connection rawConnection;
    /** rawPubsub publishes on a connection of its own, as microkit's publisher does (and RabbitMQ advises). */
    private Connection rawPublishConnection;
    private Channel rawChannel;
    private String rawTag;
    private Channel rawPublishChannel;
    private final ConcurrentNavigableMap<Long, Boolean> rawOutstanding = new ConcurrentSkipListMap<>();
    private final Semaphore rawWindow = new Semaphore(WINDOW);

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        id = UUID.randomUUID().toString().substring(0, 8);
        exchange = "bench-consume-" + id;
        rabbit = Rabbit.connect(RabbitConfig.builder().uri(uri).connectionName("bench-consume").build());
        if (method.endsWith("Pubsub")) {
            spec = queueSpec("bench-consume-" + queueType + "-" + id);
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT).queue(spec)
                    .bind(exchange, spec.name(), "k").build());
        }
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        admin = factory.newConnection("bench-consume-admin");
        if (method.startsWith("raw")) {
            rawConnection = factory.newConnection("bench-consume-raw");
        }
        if (method.equals("microkitPubsub")) {
            publisher = rabbit.publisher(PublisherConfig.builder().window(WINDOW).appId("bench").build());
            subscribeMicrokit();
        } else if (method.equals("rawPubsub")) {
            rawPublishConnection = factory.newConnection("bench-consume-raw-publish");
            rawPublishChannel = rawPublishConnection.createChannel();
            rawPublishChannel.confirmSelect();
            rawPublishChannel.addConfirmListener(this::settle, this::settle);
            subscribeRaw();
        }
    }

    /** Fills the queue for a drain iteration, then starts consuming. */
    @Setup(Level.Iteration)
    public void fillAndConsume(IterationParams iteration) throws Exception {
        if (method.endsWith("Pubsub")) {
            startCpuCount();
            return;
        }
        long target = Math.max(MIN_FILL, iteration.getTime().convertTo(TimeUnit.SECONDS) * FILL_RATE);
        spec = queueSpec("bench-consume-" + queueType + "-" + id + "-" + ++drainIteration);
        rabbit.declare(Topology.builder().queue(spec).build());
        fill(target);
        // the broker goes on writing a bulk fill out for seconds: consuming meanwhile would measure that instead
        broker.awaitQuiet(QUIET_MAX_MILLIS);
        batches.drainPermits();
        consumed.set(0);
        startCpuCount();
        if (method.equals("microkit")) {
            subscribeMicrokit();
        } else {
            subscribeRaw();
        }
    }

    @TearDown(Level.Iteration)
    public void stopConsuming() throws Exception {
        printCpuCount();
        if (method.endsWith("Pubsub")) {
            return;
        }
        if (subscription != null) {
            subscription.close(Duration.ofSeconds(5));
            subscription = null;
        }
        if (rawChannel != null) {
            rawChannel.basicCancel(rawTag); // stop deliveries first, so no handler acks on a closing channel
            rawChannel.close(); // unacked messages go back to the queue
            rawChannel = null;
        }
        deleteQueue(); // the next fill's awaitQuiet waits for the broker to have removed what it held
        spec = null;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (publisher != null) {
            publisher.close();
        }
        if (subscription != null) {
            subscription.close(Duration.ofSeconds(5));
        }
        rabbit.close();
        if (rawConnection != null) {
            rawConnection.close();
        }
        if (rawPublishConnection != null) {
            rawPublishConnection.close();
        }
        deleteQueue();
        try (Channel ch = admin.createChannel()) {
            ch.exchangeDelete(exchange);
        }
        admin.close();
    }

    private QueueSpec queueSpec(String name) {
        return ("quorum".equals(queueType) ? QueueSpec.quorum(name) : QueueSpec.classic(name).deadLettering(true))
                .build();
    }

    private void deleteQueue() throws IOException, TimeoutException {
        if (spec == null) {
            return;
        }
        try (Channel ch = admin.createChannel()) {
            ch.queueDelete(spec.name());
            ch.queueDelete(spec.deadLetterQueue());
            ch.exchangeDelete(spec.deadLetterExchange());
        }
    }

    private void subscribeMicrokit() {
        subscription = rabbit.subscribe(SubscriptionConfig.forQueue(spec, Order.class).prefetch(PREFETCH).build(),
                (payload, meta) -> {
                    sink = payload;
                    counted();
                });
    }

    private void subscribeRaw() throws IOException {
        rawChannel = rawConnection.createChannel();
        rawChannel.basicQos(PREFETCH);
        Channel channel = rawChannel;
        rawTag = rawChannel.basicConsume(spec.name(), false, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties,
                    byte[] body) throws IOException {
                sink = reader.readValue(body);
                counted();
                try {
                    channel.basicAck(envelope.getDeliveryTag(), false);
                } catch (com.rabbitmq.client.AlreadyClosedException e) {
                    // the iteration ended while this delivery was in hand: it goes back to the queue, as microkit's
                    // does
                }
            }
        });
    }

    private void startCpuCount() {
        consumedAtStart = consumed.get();
        jvmCpuAtStart = jvmCpuNanos();
        brokerCpuAtStart = broker.cpuNanos();
    }

    /**
     * Where the CPU went in this iteration, per message consumed: the throughput depends on the broker's disk, while
     * what the client costs shows here. A drain's count starts before it subscribes and ends as the iteration's teardown
     * begins, so it includes subscribing but not closing; compare the two sides rather than read the figures as
     * absolute.
     */
    private void printCpuCount() {
        long messages = consumed.get() - consumedAtStart;
        if (messages <= 0) {
            return;
        }
        double client = (jvmCpuNanos() - jvmCpuAtStart) / 1000.0 / messages;
        String brokerShare = brokerCpuAtStart.flatMap(start -> broker.cpuNanos().map(now -> now - start))
                .map(nanos -> String.format(", broker %.1f", nanos / 1000.0 / messages)).orElse("");
        System.out.printf("%n# CPU %s: client %.1f%s us per message (%d messages)%n", method, client, brokerShare,
                messages);
    }

    /** CPU time this JVM has used so far, in nanoseconds. */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private void counted() {
        if (consumed.incrementAndGet() % BATCH == 0) {
            batches.release();
        }
    }

    /** Publishes {@code count} messages to this iteration's queue, through the default exchange. */
    private void fill(long count) throws Exception {
        byte[] body = mapper.writeValueAsBytes(order);
        raw.fill(admin, "", spec.name(), count, () -> body);
    }

    private void settle(long seq, boolean multiple) {
        if (multiple) {
            var head = rawOutstanding.headMap(seq, true);
            int n = head.size();
            head.clear();
            rawWindow.release(n);
        } else if (rawOutstanding.remove(seq) != null) {
            rawWindow.release();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void microkit() throws InterruptedException {
        awaitBatch();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void raw() throws InterruptedException {
        awaitBatch();
    }

    /** The next BATCH messages of a drain; fails rather than measure a queue that ran dry. */
    private void awaitBatch() throws InterruptedException {
        if (!batches.tryAcquire(DRY_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no " + BATCH + " messages consumed in " + DRY_SECONDS + " s: the queue"
                    + " ran dry, or nearly. Fill more: CONSUME_FILL_RATE=" + (2 * FILL_RATE) + " (messages per"
                    + " second of iteration; now " + FILL_RATE + ")");
        }
    }

    @Benchmark
    public Object microkitPubsub() throws InterruptedException {
        awaitLag();
        published.incrementAndGet();
        return publisher.publish(OutboundMessage.to(exchange, "k").payload(order).type("order.placed.v1").build());
    }

    @Benchmark
    public Object rawPubsub() throws Exception {
        awaitLag();
        published.incrementAndGet();
        byte[] body = mapper.writeValueAsBytes(order);
        AMQP.BasicProperties props = raw.properties();
        rawWindow.acquire();
        synchronized (rawPublishChannel) {
            long seq = rawPublishChannel.getNextPublishSeqNo();
            rawOutstanding.put(seq, Boolean.TRUE);
            rawPublishChannel.basicPublish(exchange, "k", true, props, body);
        }
        return props;
    }

    /** Keeps publishing and consuming in step: at most MAX_LAG messages published and not yet consumed. */
    private void awaitLag() throws InterruptedException {
        while (published.get() - consumed.get() >= MAX_LAG) {
            // a consumed batch frees room: wait for the next one rather than spin
            batches.tryAcquire(10, TimeUnit.MILLISECONDS);
        }
    }
}
