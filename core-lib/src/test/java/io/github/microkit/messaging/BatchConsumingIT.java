package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consuming in batches ({@link Rabbit#subscribeBatches}) against the real broker: how batches form, what a failing
 * batch does, retries, duplicates and drain. The settings' validation is in {@code SubscriptionConfigTest}.
 */
class BatchConsumingIT extends OrdersTopicFixture {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    BatchConsumingIT() {
        super("batch-it");
    }

    @Override
    RabbitMqBroker broker() {
        return broker;
    }

    /** Publishes the orders at once (not one confirm after the other) and waits for their confirms. */
    private void publishAll(List<String> orderIds) {
        List<OutboundMessage> messages = new ArrayList<>();
        for (String id : orderIds) {
            messages.add(order(id));
        }
        publishMessages(messages);
    }

    private void publishMessages(List<OutboundMessage> messages) {
        List<CompletableFuture<PublishConfirm>> confirms = new ArrayList<>();
        for (OutboundMessage m : messages) {
            confirms.add(publisher.publish(m));
        }
        CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)).join();
    }

    /** Publishes the orders and waits until the queue holds them all, so that a subscription finds them waiting. */
    private void prefill(List<String> orderIds) {
        publishAll(orderIds);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(queueName) == orderIds.size());
    }

    private static List<String> ids(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    private static List<String> orderIds(List<InboundMessage<OrderPlaced>> batch) {
        return batch.stream().map(m -> m.payload().orderId()).collect(Collectors.toList());
    }

    private static String header(GetResponse r, String name) {
        Object v = r.getProps().getHeaders().get(name);
        return v == null ? null : v.toString();
    }

    @Test
    void waitingMessagesAreHandedOverInFullBatchesOfBatchSizeInDeliveryOrderAndAckedOnce() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        List<String> published = ids("o-", 250);
        prefill(published);
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        // a long wait: only a full batch goes to the handler before it, so every batch here is a full one
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .prefetch(250).batchSize(50).batchWait(Duration.ofSeconds(1)).build(),
                batch -> batches.add(orderIds(batch)));

        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 250);
        assertThat(batches).hasSize(5).allSatisfy(batch -> assertThat(batch).hasSize(50));
        assertThat(batches.stream().flatMap(List::stream)).as("one channel: delivery order, each once")
                .containsExactlyElementsOf(published);
        assertThat(sub.stats().inFlight()).isZero();
        assertThat(sub.close(Duration.ofSeconds(5))).isTrue();
        assertThat(broker.messageCount(queueName)).as("acked: nothing went back when the channel closed").isZero();
    }

    @Test
    void aBatchThatDoesNotFillIsHandedOverOnceTheBatchWaitHasPassedSinceItsFirstMessage() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        Duration batchWait = Duration.ofMillis(300);
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        AtomicLong handedOverAt = new AtomicLong();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .batchSize(100).batchWait(batchWait).build(), batch -> {
                    handedOverAt.compareAndSet(0, System.nanoTime());
                    batches.add(orderIds(batch));
                });

        long publishedAt = System.nanoTime();
        publishAll(List.of("a", "b", "c"));

        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 3);
        assertThat(batches).containsExactly(List.of("a", "b", "c"));
        assertThat(Duration.ofNanos(handedOverAt.get() - publishedAt))
                .as("the first message arrived after the publish started, and its batch waited batchWait")
                .isGreaterThanOrEqualTo(batchWait);
    }

    @Test
    void aFailingBatchFallsBackToSingleMessagesSoOnlyThePoisonMessageIsDeadLetteredAndTheOthersAreAcked() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName).retryDelays(Duration.ofMillis(100)));
        List<String> published = new ArrayList<>(ids("good-", 9));
        published.add(4, "poison");
        prefill(published);
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .batchSize(10).batchWait(Duration.ofSeconds(1)).build(), batch -> {
                    batchSizes.add(batch.size());
                    // all or nothing, as a database transaction would be: check everything, then record
                    for (InboundMessage<OrderPlaced> m : batch) {
                        if (m.payload().orderId().equals("poison")) {
                            throw new NonRetryableException("order " + m.payload().orderId() + " has no items");
                        }
                    }
                    batch.forEach(m -> handled.computeIfAbsent(m.payload().orderId(), k -> new AtomicInteger())
                            .incrementAndGet());
                });

        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 10);
        assertThat(batchSizes).as("the batch of ten, then each of its messages alone")
                .containsExactly(10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertThat(handled.keySet()).containsExactlyInAnyOrderElementsOf(ids("good-", 9));
        assertThat(handled.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(sub.stats().deadLettered()).isEqualTo(1);
        assertThat(sub.stats().retried()).as("non-retryable: no delayed retry").isZero();
        assertThat(sub.stats().handlerFailures()).as("the batch, then the poison message alone").isEqualTo(2);

        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(spec.deadLetterQueue()) == 1);
        GetResponse dead = broker.withChannel(ch -> ch.basicGet(spec.deadLetterQueue(), true));
        assertThat(new String(dead.getBody(), java.nio.charset.StandardCharsets.UTF_8)).contains("\"poison\"");
        assertThat(header(dead, MessageHeaders.EXCEPTION_TYPE)).isEqualTo(NonRetryableException.class.getName());
        assertThat(header(dead, MessageHeaders.EXCEPTION_MESSAGE)).isEqualTo("order poison has no items");
        assertThat(header(dead, MessageHeaders.ORIGINAL_QUEUE)).isEqualTo(queueName);
        assertThat(header(dead, MessageHeaders.ORIGINAL_EXCHANGE)).isEqualTo(exchange);
        assertThat(header(dead, MessageHeaders.ATTEMPT)).isEqualTo("1");
        assertThat(broker.messageCount(queueName)).isZero();
    }

    @Test
    void aTransientFailureIsRetriedThroughTheDelayQueueWhileTheRestOfItsBatchIsAcked() {
        Duration delay = Duration.ofMillis(300);
        QueueSpec spec = declare(QueueSpec.quorum(queueName).retryDelays(delay));
        List<String> published = List.of("a", "flaky", "b", "c");
        prefill(published);
        Map<String, List<Integer>> succeededOnAttempt = new ConcurrentHashMap<>();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .batchSize(4).build(), batch -> {
                    for (InboundMessage<OrderPlaced> m : batch) {
                        if (m.payload().orderId().equals("flaky") && m.metadata().attempt() == 1) {
                            throw new IllegalStateException("inventory service unavailable");
                        }
                    }
                    batch.forEach(m -> succeededOnAttempt.computeIfAbsent(m.payload().orderId(),
                            k -> new CopyOnWriteArrayList<>()).add(m.metadata().attempt()));
                });

        await().atMost(Duration.ofSeconds(10)).until(() -> succeededOnAttempt.containsKey("flaky"));
        assertThat(succeededOnAttempt).containsOnlyKeys(published)
                .containsEntry("a", List.of(1)).containsEntry("b", List.of(1)).containsEntry("c", List.of(1))
                .containsEntry("flaky", List.of(2));
        // the four originals (the flaky one once its copy was safe in the delay queue), then the copy
        await().atMost(Duration.ofSeconds(5)).until(() -> sub.stats().acked() == 5);
        assertThat(sub.stats().retried()).isEqualTo(1);
        assertThat(broker.messageCount(spec.deadLetterQueue())).isZero();
    }

    @Test
    void closingWhileMessagesWaitInABatchHandsThemOverAtOnceAndAcksThem() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        Duration batchWait = SubscriptionConfig.MAX_BATCH_WAIT;
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        AtomicLong handedOverAt = new AtomicLong();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .batchSize(100).batchWait(batchWait).build(), batch -> {
                    handedOverAt.set(System.nanoTime());
                    batches.add(orderIds(batch));
                });
        List<String> published = ids("o-", 30);
        publishAll(published);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().inFlight() == 30);
        assertThat(batches).as("still waiting for the batch to fill").isEmpty();

        long closeAt = System.nanoTime();
        boolean drained = sub.close(Duration.ofSeconds(10));

        assertThat(drained).isTrue();
        assertThat(batches).containsExactly(published);
        assertThat(Duration.ofNanos(handedOverAt.get() - closeAt)).as("the drain did not wait for the batch wait")
                .isLessThan(batchWait.dividedBy(2));
        assertThat(sub.stats().acked()).isEqualTo(30);
        assertThat(sub.stats().inFlight()).isZero();
        assertThat(broker.messageCount(queueName)).as("every one acked before the channel closed").isZero();
    }

    @Test
    void closingDuringLoadHandlesAndAcksWhatWasBufferedAndLosesOrRepeatsNothing() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        int total = 3000;
        prefill(ids("o-", total));
        Map<String, AtomicInteger> processed = new ConcurrentHashMap<>();
        BatchHandler<OrderPlaced> handler = batch -> batch.forEach(m -> processed
                .computeIfAbsent(m.payload().orderId(), k -> new AtomicInteger()).incrementAndGet());
        SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(spec, OrderPlaced.class).prefetch(100)
                .concurrency(4).batchSize(40).deduplicator(Deduplicator.inMemory()).build();
        Subscription first = rabbit.subscribeBatches(config, handler);
        // polled every millisecond, not every 100 (Awaitility's default): at tens of thousands of messages a second
        // the default interval let the whole queue drain before the close came
        await().atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> processed.size() >= 500);

        boolean drained = first.close(Duration.ofSeconds(10));

        assertThat(drained).isTrue();
        assertThat(first.stats().inFlight()).isZero();
        int doneAtClose = processed.size();
        assertThat(doneAtClose).isLessThan(total);
        assertThat(first.stats().acked()).as("everything handled was acked").isEqualTo(doneAtClose);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(queueName) == total - doneAtClose);

        Subscription second = connectRabbit("batch-it-after-drain").subscribeBatches(config, handler);
        await().atMost(Duration.ofSeconds(60)).until(() -> processed.size() == total);
        await().atMost(Duration.ofSeconds(5)).until(() -> second.stats().acked() == total - doneAtClose);
        assertThat(processed.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(second.stats().duplicatesSkipped()).as("nothing handled by the first came back").isZero();
    }

    @Test
    void replacingTheConnectionHandsTheWaitingBatchOverOnItsOldChannelAndConsumesOnTheNewOne() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        Map<String, List<Boolean>> redeliveredById = new ConcurrentHashMap<>();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .batchSize(100).batchWait(SubscriptionConfig.MAX_BATCH_WAIT).build(),
                batch -> batch.forEach(m -> redeliveredById.computeIfAbsent(m.payload().orderId(),
                        k -> new CopyOnWriteArrayList<>()).add(m.metadata().redelivered())));
        publishAll(ids("old-", 10));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().inFlight() == 10);

        rabbit.replaceConnections(); // make-before-break: the old consumer is cancelled, its batch goes out first

        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 10);
        publishAll(ids("new-", 100)); // a full batch: it goes out without waiting the minute
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 110);
        assertThat(redeliveredById).hasSize(110);
        assertThat(redeliveredById.values()).as("each handled once and acked on the channel it came on")
                .allSatisfy(seen -> assertThat(seen).containsExactly(false));
        assertThat(sub.consuming()).isTrue();
    }

    @Test
    void aDeduplicatorSkipsDuplicatesInsideABatchAndAcrossBatches() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
        Subscription sub = rabbit.subscribeBatches(SubscriptionConfig.forQueue(spec, OrderPlaced.class)
                .batchSize(10).batchWait(Duration.ofMillis(200)).deduplicator(Deduplicator.inMemory()).build(),
                batch -> batch.forEach(m -> handled.computeIfAbsent(m.payload().orderId(), k -> new AtomicInteger())
                        .incrementAndGet()));
        OutboundMessage twice = order("o-dup");
        // a producer's retry after a lost confirm republishes the same message id, here within one batch
        publishMessages(List.of(twice, order("o-1"), twice, order("o-2")));
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 4);

        publisher.publishAndWait(twice); // and once more, after its batch was handled
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 5);

        assertThat(handled.keySet()).containsExactlyInAnyOrder("o-dup", "o-1", "o-2");
        assertThat(handled.values()).allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(sub.stats().duplicatesSkipped()).isEqualTo(2);
        assertThat(sub.stats().consumed()).isEqualTo(5);
    }

    @Test
    void subscribeIgnoresTheBatchSettingsAndHandsOverEachMessageAlone() {
        QueueSpec spec = declare(QueueSpec.quorum(queueName));
        List<String> handled = new CopyOnWriteArrayList<>();
        Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, OrderPlaced.class).batchSize(50)
                .batchWait(Duration.ofSeconds(1)).build(), (order, meta) -> handled.add(order.orderId()));
        List<String> published = ids("o-", 20);
        publishAll(published);
        await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 20);
        assertThat(handled).containsExactlyElementsOf(published);
    }
}
