package io.github.microkit.samples.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo's flow with both services as processes: an order posted to the producer is confirmed, consumed
 * once, logged by both services with the client's trace id and served back; a client that retries with the
 * same Idempotency-Key after a 503 ends up with exactly one order; a poison message ends in the DLQ.
 */
class OrderFlowIT {

    private static IdentityProvider idp;
    private static PrivateVhost vhost;
    private static ServiceProcess consumer;
    private static ServiceProcess producer;

    @BeforeAll
    static void start() throws Exception {
        idp = new IdentityProvider();
        vhost = new PrivateVhost();
        Map<String, String> env = Map.of("RABBITMQ_URI", vhost.uri(), "JWT_ISSUER", idp.issuer());
        consumer = ServiceProcess.consumer(env);
        producer = ServiceProcess.producer(env);
        consumer.awaitReady();
        producer.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {producer, consumer, vhost, idp}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static String traceparent(String traceId) {
        return "00-" + traceId + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16) + "-01";
    }

    private static HttpResponse<String> awaitOrder(String orderId) {
        return await("order " + orderId + " at the consumer").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> Client.get(consumer, "/orders/" + orderId, idp.writer()), r -> r.statusCode() == 200);
    }

    @Test
    void postedOrderIsConfirmedConsumedOnceAndReadBackWithTheSameTraceId() throws Exception {
        String traceId = UUID.randomUUID().toString().replace("-", "");

        HttpResponse<String> accepted = Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER)
                .header("traceparent", traceparent(traceId)));

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String orderId = Client.json(accepted).path("orderId").asText();
        JsonNode order = Client.json(awaitOrder(orderId));
        assertThat(order.path("customerId").asText()).isEqualTo("c-42");
        assertThat(order.path("items").get(0).path("unitPrice").asText()).isEqualTo("12.50");
        assertThat(order.path("status").asText()).isEqualTo("RECEIVED");
        assertThat(order.path("traceId").asText()).isEqualTo(traceId);
        assertThat(producer.line("order " + orderId + " accepted")).hasValueSatisfying(l -> assertThat(l).endsWith("trace=" + traceId));
        assertThat(consumer.line("order " + orderId + " stored")).hasValueSatisfying(l -> assertThat(l).endsWith("trace=" + traceId));
        // the list serves it too, and reading needs only orders:read
        HttpResponse<String> page = Client.get(consumer, "/orders?limit=500", idp.token("reader", "orders:read", 3600));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(Client.json(page).path("items").findValuesAsText("orderId")).contains(orderId);
    }

    @Test
    void readingWithoutTheReadScopeIs403AndUnknownOrderIs404() throws Exception {
        assertThat(Client.get(consumer, "/orders", idp.token("writer-only", "orders:write", 3600)).statusCode()).isEqualTo(403);
        HttpResponse<String> missing = Client.get(consumer, "/orders/" + UUID.randomUUID(), idp.writer());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(Client.json(missing).path("error").asText()).isEqualTo("not_found");
    }

    @Test
    void clientRetryingWithTheSameIdempotencyKeyAfterA503EndsWithExactlyOneOrder() throws Exception {
        String key = "retry-" + UUID.randomUUID();
        String body = "{\"customerId\":\"" + key + "\",\"items\":[{\"sku\":\"S-1\",\"quantity\":1,\"unitPrice\":\"3.00\"}]}";
        // the broker cannot take the order: with the queue unbound the mandatory publish comes back unroutable
        vhost.unbind("orders.placed", "orders", "order.placed");
        HttpResponse<String> refused = Client.send(Client.postOrder(producer, idp.writer(), body).header("Idempotency-Key", key));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();

        vhost.bind("orders.placed", "orders", "order.placed");
        HttpResponse<String> retried = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> Client.send(Client.postOrder(producer, idp.writer(), body).header("Idempotency-Key", key)),
                        r -> r.statusCode() == 202);
        HttpResponse<String> again = Client.send(Client.postOrder(producer, idp.writer(), body).header("Idempotency-Key", key));
        HttpResponse<String> otherBody = Client.send(Client.postOrder(producer, idp.writer(), Client.ORDER).header("Idempotency-Key", key));

        String orderId = Client.json(retried).path("orderId").asText();
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(Client.json(again).path("orderId").asText()).isEqualTo(orderId);
        assertThat(Client.json(again).path("messageId").asText()).isEqualTo(Client.json(retried).path("messageId").asText());
        assertThat(otherBody.statusCode()).isEqualTo(422);
        awaitOrder(orderId);
        // a confirm that timed out may still have landed: the same message id twice is still one order
        assertThat(ordersOf(key)).hasSize(1);
        assertThat(producer.lines().stream().filter(l -> l.contains("order " + orderId + " accepted"))).hasSize(1);
    }

    @Test
    void theSameMessageDeliveredTwiceIsStoredOnce() throws Exception {
        String orderId = UUID.randomUUID().toString();
        String messageId = UUID.randomUUID().toString();
        byte[] event = ("{\"orderId\":\"" + orderId + "\",\"customerId\":\"dup\",\"items\":[{\"sku\":\"S\",\"quantity\":1,"
                + "\"unitPrice\":\"1.00\"}],\"placedAt\":\"2026-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8);
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().messageId(messageId).type("order.placed.v1")
                .contentType("application/json").deliveryMode(2).build();

        vhost.publish("orders", "order.placed", properties, event);
        vhost.publish("orders", "order.placed", properties, event);

        awaitOrder(orderId);
        await().atMost(Duration.ofSeconds(10)).until(() -> vhost.messageCount("orders.placed") == 0);
        assertThat(consumer.lines().stream().filter(l -> l.contains("order " + orderId + " stored"))).hasSize(1);
        assertThat(ordersOf("dup")).hasSize(1);
    }

    @Test
    void poisonMessageLandsInTheDeadLetterQueueWithTheReason() throws Exception {
        String messageId = "poison-" + UUID.randomUUID();
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder().messageId(messageId).type("order.placed.v1")
                .contentType("application/json").deliveryMode(2).build();

        vhost.publish("orders", "order.placed", properties, "{not json".getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(20)).until(() -> vhost.messageCount("orders.placed.dlq") >= 1);
        List<GetResponse> dead = vhost.drain("orders.placed.dlq");
        assertThat(dead).singleElement().satisfies(m -> {
            assertThat(m.getProps().getMessageId()).isEqualTo(messageId);
            assertThat(m.getProps().getHeaders()).containsKeys("x-exception-type", "x-exception-message",
                    "x-original-queue", "x-dead-lettered-at");
        });
        assertThat(consumer.alive()).isTrue();
    }

    private static List<JsonNode> ordersOf(String customerId) throws Exception {
        JsonNode page = Client.json(Client.get(consumer, "/orders?limit=500", idp.writer()));
        List<JsonNode> found = new java.util.ArrayList<>();
        page.path("items").forEach(o -> {
            if (o.path("customerId").asText().equals(customerId)) {
                found.add(o);
            }
        });
        return found;
    }
}
