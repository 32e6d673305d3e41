package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The consumer against the real broker: acks, delayed retries, dead-letters, duplicates, sharing and drain. */
class ConsumerIT extends OrdersTopicFixture {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    ConsumerIT() {
        super("consumer-it");
    }

    @Override
    RabbitMqBroker broker() {
        return broker;
    }

    private OutboundMessage rawBody(String body) {
        return OutboundMessage.to(exchange, "order.placed").body(body.getBytes(StandardCharsets.UTF_8),
                "application/json").type("order.placed.v1").build();
    }

    private List<GetResponse> drainDeadLetters(QueueSpec spec, int expected) {
        await().atMost(Duration.ofSeconds(20)).until(() -> broker.messageCount(spec.deadLetterQueue()) >= expected);
        List<GetResponse> all = new ArrayList<>();
        broker.withChannel(ch -> {
            GetResponse r;
            while ((r = ch.basicGet(spec.deadLetterQueue(), true)) != null) {
                all.add(r);
            }
            return null;
        });
        return all;
    }

    private static String header(GetResponse r, String name) {
        Object v = r.getProps().getHeaders().get(name);
        return v == null ? null : v.toString();
    }

    @Test
    void handledMessageIsAckedWithItsMetadataAndTraceContext() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        List<MessageMetadata> seen = new CopyOnWriteArrayList<>();
        List<OrderPlaced> payloads = new CopyOnWriteArrayList<>();
        List<String> traceInHandler = new CopyOnWriteArrayList<>();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class).build(), (order, meta) -> {
            payloads.add(order);
            seen.add(meta);
            traceInHandler.add(CurrentTrace.get().map(TraceContext::traceId).orElse("none"));
        });
        TraceContext trace = TraceContext.newRoot();
        OutboundMessage message = OutboundMessage.from(order("o-1")).trace(trace).correlationId("corr-1").build();
        PublishConfirm confirm = publisher.publishAndWait(message);

        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 1);
        assertThat(payloads).containsExactly(new OrderPlaced("o-1", "c-42", 2));
        MessageMetadata meta = seen.get(0);
        assertThat(meta.messageId()).contains(message.messageId());
        assertThat(meta.correlationId()).contains("corr-1");
        assertThat(meta.type()).contains("order.placed.v1");
        assertThat(meta.attempt()).isEqualTo(1);
        assertThat(meta.redelivered()).isFalse();
        assertThat(meta.trace().traceId()).isEqualTo(trace.traceId());
        assertThat(traceInHandler).containsExactly(trace.traceId());
        assertThat(meta.publisherId()).contains(publisher.publisherId());
        assertThat(meta.publisherSeq()).hasValue(confirm.publisherSeq());
        assertThat(broker.messageCount(queueName)).isZero();
        assertThat(sub.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    void failingTwiceThenSucceedingIsProcessedOnAttemptThreeAfterTheBackoffWhileOtherMessagesKeepFlowing() {
        Duration first = Duration.ofMillis(400);
        Duration second = Duration.ofMillis(800);
        QueueSpec spec = declare(QueueSpec.quorum(queueName).retryDelays(first, second));
        List<Long> flakyCalls = new CopyOnWriteArrayList<>();
        List<Integer> flakyAttempts = new CopyOnWriteArrayList<>();
        Map<String, Long> othersDoneAt = new ConcurrentHashMap<>();
        rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class).build(), (order, meta) -> {
            if (order.orderId().equals("flaky")) {
                flakyCalls.add(System.nanoTime());
                flakyAttempts.add(meta.attempt());
                if (meta.attempt() < 3) {
                    throw new IllegalStateException("inventory service unavailable");
                }
            } else {
                othersDoneAt.put(order.orderId(), System.nanoTime());
            }
        });

        publisher.publishAndWait(order("flaky"));
        for (int i = 0; i < 200; i++) {
            publisher.publish(order("other-" + i));
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> flakyCalls.size() == 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> othersDoneAt.size() == 200);
        assertThat(flakyAttempts).containsExactly(1, 2, 3);
        Duration waited = Duration.ofNanos(flakyCalls.get(2) - flakyCalls.get(0));
        Duration backoff = first.plus(second);
        assertThat(waited).as("attempt 3 comes after both delays").isGreaterThanOrEqualTo(backoff.minusMillis(50))
                .isLessThan(backoff.plusSeconds(2));
        long lastOther = othersDoneAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(lastOther).as("the other 200 did not wait for the failing one").isLessThan(flakyCalls.get(2));
        assertThat(broker.messageCount(spec.deadLetterQueue())).isZero();
    }

    @Test
    void nonJsonAndWrongShapeBodiesAreDeadLetteredAtOnceWithReasonHeadersAndNoHandlerCall() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName).retryDelays(Duration.ofMillis(100)));
        AtomicInteger calls = new AtomicInteger();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class).build(),
                (order, meta) -> calls.incrementAndGet());

        OutboundMessage notJson = rawBody("this is not { json");
        OutboundMessage wrongShape = rawBody("{\"sku\": \"BOOK-1\", \"secretNote\": \"personal data\"}");
        publisher.publishAndWait(notJson);
        publisher.publishAndWait(wrongShape);

        List<GetResponse> dead = drainDeadLetters(spec, 2);
        assertThat(dead).hasSize(2);
        GetResponse a = dead.stream().filter(r -> r.getProps().getMessageId().equals(notJson.messageId())).findFirst()
                .orElseThrow();
        GetResponse b = dead.stream().filter(r -> r.getProps().getMessageId().equals(wrongShape.messageId()))
                .findFirst().orElseThrow();
        assertThat(header(a, MessageHeaders.EXCEPTION_TYPE)).isEqualTo("com.fasterxml.jackson.core.JsonParseException");
        assertThat(header(a, MessageHeaders.EXCEPTION_MESSAGE)).startsWith("body is not valid JSON");
        assertThat(header(b, MessageHeaders.EXCEPTION_TYPE)).contains("MismatchedInputException");
        assertThat(header(b, MessageHeaders.EXCEPTION_MESSAGE)).startsWith("body does not match OrderPlaced")
                .doesNotContain("personal data");
        for (GetResponse r : dead) {
            assertThat(header(r, MessageHeaders.ORIGINAL_QUEUE)).isEqualTo(queueName);
            assertThat(header(r, MessageHeaders.ORIGINAL_EXCHANGE)).isEqualTo(exchange);
            assertThat(header(r, MessageHeaders.ORIGINAL_ROUTING_KEY)).isEqualTo("order.placed");
            assertThat(header(r, MessageHeaders.ATTEMPT)).isEqualTo("1");
            assertThat(header(r, MessageHeaders.DEAD_LETTERED_AT)).isNotBlank();
        }
        assertThat(new String(a.getBody(), StandardCharsets.UTF_8)).as("the body is kept as it was")
                .isEqualTo("this is not { json");
        assertThat(calls).hasValue(0);
        assertThat(sub.stats().deadLettered()).isEqualTo(2);
        assertThat(sub.stats().retried()).isZero();
    }

    @Test
    void alwaysFailingMessageReachesTheDeadLetterQueueAfterTheMaximumAttemptsWithoutItsSecrets() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName).retryDelays(Duration.ofMillis(100), Duration.ofMillis(200)));
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class).build(), (order, meta) -> {
            attempts.add(meta.attempt());
            throw new IllegalStateException("payment gateway said no, password=hunter2 for amqp://bob:s3cret@host");
        });
        OutboundMessage message = order("doomed");
        publisher.publishAndWait(message);

        List<GetResponse> dead = drainDeadLetters(spec, 1);
        assertThat(attempts).containsExactly(1, 2, 3);
        GetResponse r = dead.get(0);
        assertThat(r.getProps().getMessageId()).isEqualTo(message.messageId());
        assertThat(header(r, MessageHeaders.ATTEMPT)).isEqualTo("3");
        assertThat(header(r, MessageHeaders.EXCEPTION_TYPE)).isEqualTo(IllegalStateException.class.getName());
        assertThat(header(r, MessageHeaders.EXCEPTION_MESSAGE)).startsWith("payment gateway said no")
                .doesNotContain("hunter2").doesNotContain("s3cret");
        assertThat(header(r, MessageHeaders.ORIGINAL_EXCHANGE)).as("the exchange it was first published to")
                .isEqualTo(exchange);
        assertThat(header(r, MessageHeaders.ORIGINAL_QUEUE)).isEqualTo(queueName);
        assertThat(sub.stats().retried()).isEqualTo(2);
        assertThat(sub.stats().deadLettered()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.messageCount(queueName) == 0);
    }

    @Test
    void nonRetryableFailureAndUnknownTypeAreDeadLetteredOnTheFirstAttempt() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName).retryDelays(Duration.ofMillis(100)));
        AtomicInteger calls = new AtomicInteger();
        rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class).acceptTypes("order.placed.v1").build(),
                (order, meta) -> {
                    calls.incrementAndGet();
                    throw new NonRetryableException("customer " + order.customerId() + " does not exist");
                });
        OutboundMessage invalid = order("o-invalid");
        OutboundMessage unknown = OutboundMessage.to(exchange, "order.placed")
                .payload(new OrderPlaced("o-x", "c-1", 1)).type("order.cancelled.v1").build();
        publisher.publishAndWait(invalid);
        publisher.publishAndWait(unknown);

        List<GetResponse> dead = drainDeadLetters(spec, 2);
        GetResponse a = dead.stream().filter(r -> r.getProps().getMessageId().equals(invalid.messageId())).findFirst()
                .orElseThrow();
        GetResponse b = dead.stream().filter(r -> r.getProps().getMessageId().equals(unknown.messageId())).findFirst()
                .orElseThrow();
        assertThat(header(a, MessageHeaders.EXCEPTION_TYPE)).isEqualTo(NonRetryableException.class.getName());
        assertThat(header(a, MessageHeaders.EXCEPTION_MESSAGE)).isEqualTo("customer c-42 does not exist");
        assertThat(header(a, MessageHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(header(b, MessageHeaders.EXCEPTION_MESSAGE)).contains("'order.cancelled.v1'");
        assertThat(calls).as("the unknown type never reached the handler").hasValue(1);
    }

    @Test
    void republishedDuplicateIsAckedWithoutCallingTheHandlerAgain() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        AtomicInteger calls = new AtomicInteger();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .deduplicator(Deduplicator.inMemory()).build(), (order, meta) -> calls.incrementAndGet());
        OutboundMessage message = order("o-dup");
        publisher.publishAndWait(message);
        publisher.publishAndWait(message); // a producer retrying after a lost confirm: same message id

        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 2);
        assertThat(calls).hasValue(1);
        assertThat(sub.stats().duplicatesSkipped()).isEqualTo(1);
        assertThat(broker.messageCount(queueName)).isZero();
    }

    @Test
    void twoConsumerInstancesOnOneQueueShareTheWorkAndProcessNoMessageTwice() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        AtomicInteger byFirst = new AtomicInteger();
        AtomicInteger bySecond = new AtomicInteger();
        SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(spec, OrderPlaced.class).prefetch(50)
                .concurrency(2).build();
        rabbit.subscribe(config, (order, meta) -> {
            processed.computeIfAbsent(order.orderId(), k -> new AtomicInteger()).incrementAndGet();
            byFirst.incrementAndGet();
        });
        connectRabbit("consumer-it-second").subscribe(config, (order, meta) -> {
            processed.computeIfAbsent(order.orderId(), k -> new AtomicInteger()).incrementAndGet();
            bySecond.incrementAndGet();
        });

        int total = 2000;
        for (int i = 0; i < total; i++) {
            publisher.publish(order("o-" + i));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> processed.size() == total);
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.messageCount(queueName) == 0);

        assertThat(processed.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(byFirst.get() + bySecond.get()).isEqualTo(total);
        assertThat(byFirst.get()).as("the first instance did a fair share").isGreaterThan(total / 10);
        assertThat(bySecond.get()).as("the second instance did a fair share").isGreaterThan(total / 10);
    }

    @Test
    void closingDuringLoadLetsRunningHandlersFinishAndLosesOrRepeatsNothing() throws Exception {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        int total = 3000;
        for (int i = 0; i < total; i++) {
            publisher.publish(order("o-" + i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> broker.messageCount(queueName) == total);

        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        Set<String> started = ConcurrentHashMap.newKeySet();
        Set<String> finished = ConcurrentHashMap.newKeySet();
        AtomicBoolean interrupted = new AtomicBoolean();
        Deduplicator dedup = Deduplicator.inMemory();
        MessageHandler<OrderPlaced> handler = (order, meta) -> {
            started.add(order.orderId());
            work(order.orderId());
            if (Thread.currentThread().isInterrupted()) {
                interrupted.set(true);
            }
            processed.computeIfAbsent(order.orderId(), k -> new AtomicInteger()).incrementAndGet();
            finished.add(order.orderId());
        };
        SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(spec, OrderPlaced.class).prefetch(100)
                .concurrency(4).deduplicator(dedup).build();
        Subscription first = rabbit.subscribe(config, handler);
        await().atMost(Duration.ofSeconds(20)).until(() -> processed.size() >= 500);

        boolean drained = first.close(Duration.ofSeconds(10));

        assertThat(drained).isTrue();
        assertThat(first.stats().inFlight()).isZero();
        assertThat(finished).as("every handler that started also finished").isEqualTo(started);
        int doneAtClose = processed.size();
        assertThat(doneAtClose).isLessThan(total);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> broker.messageCount(queueName) == total - doneAtClose);

        Subscription second = connectRabbit("consumer-it-after-drain").subscribe(config, handler);
        await().atMost(Duration.ofSeconds(60)).until(() -> processed.size() == total);
        await().atMost(Duration.ofSeconds(5)).until(() -> second.stats().acked() == total - doneAtClose);
        assertThat(processed.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(second.stats().duplicatesSkipped()).as("the drain acked everything that finished").isZero();
        assertThat(interrupted).isFalse();
    }

    /** A little real work (hashing), so handlers take time without sleeping. */
    private static void work(String input) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] data = input.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 2000; i++) {
            data = sha.digest(data);
        }
    }
}
