package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.rabbitmq.PrivateRabbitNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The publisher when the broker misbehaves, on a private node the test may freeze, crash and restart:
 * back-pressure, confirm timeouts, and a cut with a thousand messages in flight.
 */
class PublisherFailureIT {

    @RegisterExtension
    static final PrivateRabbitNode node = PrivateRabbitNode.create();

    private Rabbit rabbit;
    private String exchange;
    private String queue;
    private Topology topology;

    @BeforeEach
    void connect() {
        rabbit = Rabbit.connect(RabbitConfig.builder().uri(node.uri()).connectionName("failure-it")
                .recoveryInterval(Duration.ofMillis(500)).build());
        String id = UUID.randomUUID().toString().substring(0, 8);
        exchange = "orders-" + id;
        queue = "orders.placed-" + id;
        topology = Topology.builder()
                .exchange(exchange, ExchangeType.TOPIC)
                .queue(QueueSpec.quorum(queue))
                .bind(exchange, queue, "order.placed")
                .build();
        rabbit.declare(topology);
    }

    @AfterEach
    void close() {
        rabbit.close();
    }

    private OutboundMessage order(int n) {
        return OutboundMessage.to(exchange, "order.placed").payload(new PublisherIT.OrderPlaced("o-" + n, "c", 1)).build();
    }

    @Test
    void fullWindowBlocksThePublisherThenFailsClearlyAfterItsTimeout() {
        Publisher publisher = rabbit.publisher(PublisherConfig.builder()
                .window(5).windowTimeout(Duration.ofMillis(500)).confirmTimeout(Duration.ofSeconds(60)).build());
        List<CompletableFuture<PublishConfirm>> sent = new ArrayList<>();
        node.pause(); // the broker answers nothing: confirms stay out
        try {
            for (int i = 0; i < 5; i++) {
                sent.add(publisher.publish(order(i)));
            }
            assertThat(publisher.inFlight()).isEqualTo(5);

            long started = System.nanoTime();
            assertThatThrownBy(() -> publisher.publish(order(5)))
                    .isInstanceOfSatisfying(PublishException.class, e -> {
                        assertThat(e.reason()).isEqualTo(PublishException.Reason.WINDOW_FULL);
                        assertThat(e.retryable()).isTrue();
                    })
                    .hasMessageContaining("5 messages stayed unconfirmed for PT0.5S");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("it waited for room first")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(450));
        } finally {
            node.resume();
        }
        assertThat(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)))
                .as("the five in the window are confirmed once the broker answers")
                .succeedsWithin(Duration.ofSeconds(30));
        assertThat(publisher.inFlight()).isZero();
    }

    @Test
    void confirmThatNeverComesFailsTheFutureAtTheConfirmTimeout() {
        Publisher publisher = rabbit.publisher(PublisherConfig.builder().confirmTimeout(Duration.ofSeconds(1)).build());
        CompletableFuture<PublishConfirm> future;
        node.pause();
        try {
            future = publisher.publish(order(1));
            assertThat(future).failsWithin(Duration.ofSeconds(5)).withThrowableThat().havingCause()
                    .isInstanceOfSatisfying(PublishException.class,
                            e -> assertThat(e.reason()).isEqualTo(PublishException.Reason.CONFIRM_TIMEOUT))
                    .withMessageContaining("may still have landed");
        } finally {
            node.resume();
        }
        assertThat(publisher.inFlight()).isZero();
    }

    @Test
    void connectionCutWithAThousandInFlightCompletesEveryFutureThenRecoveryRedeclaresTopology() {
        Publisher publisher = rabbit.publisher(PublisherConfig.builder()
                .window(2000).confirmTimeout(Duration.ofSeconds(60)).build());
        List<CompletableFuture<PublishConfirm>> futures = new ArrayList<>();
        node.pause();
        for (int i = 0; i < 1000; i++) {
            futures.add(publisher.publish(order(i)));
        }
        assertThat(publisher.inFlight()).as("all thousand are outstanding at the cut").isEqualTo(1000);

        node.kill(); // the kernel closes the node's sockets: the connection is cut mid-flight

        // far sooner than the 60 s confirm timeout: the lost channel fails everything it had
        await().atMost(Duration.ofSeconds(10)).until(() -> futures.stream().allMatch(CompletableFuture::isDone));
        assertThat(futures).allSatisfy(f -> assertThat(f).isCompletedExceptionally());
        assertThat(futures).allSatisfy(f -> assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(PublishException.class,
                        e -> assertThat(e.reason()).isEqualTo(PublishException.Reason.CONNECTION_LOST)));
        assertThat(publisher.inFlight()).isZero();
        assertThat(rabbit.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);

        node.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> rabbit.healthCheck().check().status() == HealthStatus.UP);

        // the queue is deleted behind the client's back; the next recovery must declare it again
        node.rabbitmqctl("delete_queue", queue);
        node.closeAllConnections();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            assertThat(node.rabbitmqctl("list_queues", "-q", "name")).contains(queue);
            publisher.publishAndWait(order(1001));
        });
        // queue statistics are refreshed every few seconds
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                node.rabbitmqctl("list_queues", "-q", "name", "messages")).containsPattern(queue + "\\s+[1-9]"));
    }
}
