package io.github.microkit.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.microkit.messaging.ExchangeType;
import io.github.microkit.messaging.OutboundMessage;
import io.github.microkit.messaging.Publisher;
import io.github.microkit.messaging.PublisherConfig;
import io.github.microkit.messaging.QueueSpec;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.messaging.Topology;
import io.github.microkit.trace.TraceContext;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Confirmed publishing of 1 KB persistent JSON messages with 256 in flight: the microkit publisher against
 * the raw amqp-client doing the same work (JSON encoding, the same properties and headers, a window of
 * 256 released by async confirms). One operation is one message handed to the publisher; at steady state
 * the window makes that the confirmed rate.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PublishBenchmark {

    public static final String RATIO = "publish-{queueType}";
    public static final int[] THREADS = {1};

    private static final int WINDOW = 256;

    @Param({"classic", "quorum"})
    public String queueType;

    /** A 1 KB order, as JSON. */
    public record Order(String orderId, String customerId, String notes) {
    }

    private final Order order = new Order(UUID.randomUUID().toString(), "c-42", "x".repeat(940));
    private final String uri = System.getenv().getOrDefault("RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
    private String exchange;
    private String queue;

    private Rabbit rabbit;
    private Publisher publisher;

    private Connection rawConnection;
    private Channel rawChannel;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ConcurrentNavigableMap<Long, Boolean> rawOutstanding = new ConcurrentSkipListMap<>();
    private final Semaphore rawWindow = new Semaphore(WINDOW);
    private final AtomicLong rawSeq = new AtomicLong();
    private final TraceContext trace = TraceContext.newRoot();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        exchange = "bench-" + id;
        queue = "bench-" + queueType + "-" + id;
        rabbit = Rabbit.connect(RabbitConfig.fromUri(uri));
        QueueSpec.Builder spec = "quorum".equals(queueType) ? QueueSpec.quorum(queue) : QueueSpec.classic(queue);
        rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT).queue(spec).bind(exchange, queue, "k").build());
        publisher = rabbit.publisher(PublisherConfig.builder().window(WINDOW).appId("bench").build());

        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(uri);
        rawConnection = factory.newConnection("bench-raw");
        rawChannel = rawConnection.createChannel();
        rawChannel.confirmSelect();
        rawChannel.addConfirmListener((seq, multiple) -> settle(seq, multiple), (seq, multiple) -> settle(seq, multiple));
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

    @TearDown(Level.Iteration)
    public void purge() throws Exception {
        // keep the queue short: a queue of millions measures the broker's paging, not the publishers
        try (Channel ch = rawConnection.createChannel()) {
            ch.queuePurge(queue);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        publisher.close();
        rabbit.close();
        try (Channel ch = rawConnection.createChannel()) {
            ch.queueDelete(queue);
            ch.queueDelete(queue + ".dlq");
            ch.exchangeDelete(exchange);
            ch.exchangeDelete(queue + ".dlx");
        }
        rawConnection.close();
    }

    @Benchmark
    public Object microkit() {
        return publisher.publish(OutboundMessage.to(exchange, "k").payload(order).type("order.placed.v1").build());
    }

    @Benchmark
    public Object raw() throws Exception {
        String messageId = UUID.randomUUID().toString();
        byte[] body = mapper.writeValueAsBytes(order);
        Map<String, Object> headers = new HashMap<>();
        headers.put("traceparent", trace.newChild().traceparent());
        headers.put("x-publisher-id", "bench-raw");
        headers.put("x-publisher-seq", rawSeq.incrementAndGet());
        headers.put("x-attempt", 1);
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .messageId(messageId).correlationId(messageId).timestamp(new Date())
                .contentType("application/json").type("order.placed.v1").deliveryMode(2).appId("bench")
                .headers(headers).build();
        rawWindow.acquire();
        synchronized (rawChannel) {
            long seq = rawChannel.getNextPublishSeqNo();
            rawOutstanding.put(seq, Boolean.TRUE);
            rawChannel.basicPublish(exchange, "k", true, props, body);
        }
        return props;
    }
}
