package io.github.microkit.benchmarks;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.github.microkit.trace.TraceContext;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Messages as a microkit publisher sends them, made with the raw client: the benchmarks fill their queues with these
 * (faster than through microkit, and the same for both sides of a comparison), and the raw sides publish them.
 */
final class RawMessages {

    /** Confirms awaited every this many messages while filling. */
    private static final int CONFIRM_EVERY = 5_000;

    private final TraceContext trace = TraceContext.newRoot();
    private final AtomicLong seq = new AtomicLong();

    /** The properties and headers a microkit publisher sends, with a new message id and the next sequence number. */
    AMQP.BasicProperties properties() {
        String messageId = UUID.randomUUID().toString();
        Map<String, Object> headers = new HashMap<>();
        headers.put("traceparent", trace.newChild().traceparent());
        headers.put("x-publisher-id", "bench-raw");
        headers.put("x-publisher-seq", seq.incrementAndGet());
        headers.put("x-attempt", 1);
        return new AMQP.BasicProperties.Builder()
                .messageId(messageId).correlationId(messageId).timestamp(new Date())
                .contentType("application/json").type("order.placed.v1").deliveryMode(2).appId("bench")
                .headers(headers).build();
    }

    /** Publishes {@code count} persistent messages with bodies from {@code bodies}, and waits for their confirms. */
    void fill(Connection connection, String exchange, String routingKey, long count, Bodies bodies) throws Exception {
        try (Channel ch = connection.createChannel()) {
            ch.confirmSelect();
            for (long i = 0; i < count; i++) {
                ch.basicPublish(exchange, routingKey, false, properties(), bodies.next());
                if (i % CONFIRM_EVERY == CONFIRM_EVERY - 1) {
                    ch.waitForConfirmsOrDie(60_000);
                }
            }
            ch.waitForConfirmsOrDie(60_000);
        }
    }

    /** The body of each message to fill with. */
    @FunctionalInterface
    interface Bodies {
        byte[] next() throws Exception;
    }
}
