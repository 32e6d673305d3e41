package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Counters, timers and gauges reach a Micrometer registry, next to amqp-client's own connection metrics. */
class MessagingMetricsIT {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    @Test
    void publishingAndConsumingAreCountedInTheMeterRegistryWithTheClientsOwnMetrics() {
        MeterRegistry registry = new SimpleMeterRegistry();
        String exchange = broker.uniqueName("orders");
        String queue = broker.uniqueName("orders.placed");
        try (Rabbit rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName("metrics-it").build(),
                MicrometerMessagingMetrics.of(registry))) {
            QueueSpec spec = QueueSpec.quorum(queue).retryDelays(Duration.ofMillis(100)).build();
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.TOPIC).queue(spec)
                    .bind(exchange, queue, "order.placed").build());
            Subscription sub = rabbit.subscribe(SubscriptionConfig.forQueue(spec, ConsumerIT.OrderPlaced.class)
                    .deduplicator(Deduplicator.inMemory()).build(), (order, meta) -> {
                        if (order.orderId().equals("fails-once") && meta.attempt() == 1) {
                            throw new IllegalStateException("transient");
                        }
                    });
            Publisher publisher = rabbit.publisher();
            OutboundMessage dup = OutboundMessage.to(exchange, "order.placed")
                    .payload(new ConsumerIT.OrderPlaced("o-1", "c", 1)).build();
            publisher.publishAndWait(dup);
            publisher.publishAndWait(dup);
            publisher.publish(OutboundMessage.to(exchange, "order.placed")
                    .payload(new ConsumerIT.OrderPlaced("fails-once", "c", 1)).build()).join();

            await().atMost(Duration.ofSeconds(10)).until(() -> sub.stats().acked() == 4);
            assertThat(registry.get("microkit.messaging.published").counter().count()).isEqualTo(3);
            assertThat(registry.get("microkit.messaging.confirmed").counter().count()).isEqualTo(3);
            assertThat(registry.get("microkit.messaging.confirm").timer().count()).isEqualTo(3);
            assertThat(registry.get("microkit.messaging.consumed").tag("queue", queue).counter().count()).isEqualTo(4);
            assertThat(registry.get("microkit.messaging.acked").tag("queue", queue).counter().count()).isEqualTo(4);
            assertThat(registry.get("microkit.messaging.retried").tag("queue", queue).counter().count()).isEqualTo(1);
            assertThat(registry.get("microkit.messaging.duplicates.skipped").tag("queue", queue).counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("microkit.messaging.handler").tag("outcome", "failure").timer().count())
                    .isEqualTo(1);
            assertThat(registry.get("microkit.messaging.consuming.channels").tag("queue", queue).gauge().value())
                    .isEqualTo(1);
            assertThat(registry.get("microkit.messaging.loss.missing").tag("queue", queue).gauge().value()).isZero();
            // amqp-client's MicrometerMetricsCollector, one per connection
            assertThat(registry.get("rabbitmq.connections").tag("connection", "publish").gauge().value()).isEqualTo(1);
            assertThat(registry.get("rabbitmq.consumed").tag("connection", "consume").counter().count())
                    .isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void gaugesAddUpTheQueuesLiveSubscriptionsAndLeaveWithTheLastOne() {
        MeterRegistry registry = new SimpleMeterRegistry();
        String queue = broker.uniqueName("orders.placed");
        String channels = "microkit.messaging.consuming.channels";
        try (Rabbit rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName("gauges-it").build(),
                MicrometerMessagingMetrics.of(registry))) {
            QueueSpec spec = QueueSpec.quorum(queue).build();
            rabbit.declare(Topology.builder().queue(spec).build());
            SubscriptionConfig<ConsumerIT.OrderPlaced> config = SubscriptionConfig.forQueue(spec, ConsumerIT.OrderPlaced.class)
                    .concurrency(2).build();
            Subscription first = rabbit.subscribe(config, (order, meta) -> { });
            Subscription second = rabbit.subscribe(config, (order, meta) -> { });
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get(channels).tag("queue", queue).gauge().value() == 4);

            first.close(Duration.ofSeconds(5));
            assertThat(registry.get(channels).tag("queue", queue).gauge().value()).isEqualTo(2);

            second.close(Duration.ofSeconds(5));
            assertThat(registry.find(channels).tag("queue", queue).gauge())
                    .as("a closed subscription is not reported forever").isNull();

            Subscription third = rabbit.subscribe(config, (order, meta) -> { });
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> registry.get(channels).tag("queue", queue).gauge().value() == 2);
            third.close(Duration.ofSeconds(5));
        }
    }
}
