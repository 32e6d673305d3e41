package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopologyTest {

    @Test
    void quorumQueueByDefaultNeverLetsTheBrokerDropAMessage() {
        QueueSpec queue = QueueSpec.quorum("orders.placed").build();

        assertThat(queue.arguments())
                .containsEntry("x-queue-type", "quorum")
                .containsEntry("x-dead-letter-exchange", "orders.placed.dlx")
                .containsEntry("x-dead-letter-strategy", "at-least-once")
                .containsEntry("x-overflow", "reject-publish")
                .containsEntry("x-delivery-limit", QueueSpec.DEFAULT_DELIVERY_LIMIT);
    }

    @Test
    void deadLetterAndRetryCompanionsArePartOfTheTopology() {
        Topology topology = Topology.builder()
                .exchange("orders", ExchangeType.TOPIC)
                .queue(QueueSpec.quorum("orders.placed").retryDelays(Duration.ofSeconds(1), Duration.ofSeconds(10)))
                .bind("orders", "orders.placed", "order.placed")
                .build();

        assertThat(topology.exchanges()).extracting(ExchangeSpec::name).containsExactly("orders", "orders.placed.dlx");
        assertThat(topology.queues()).extracting(Topology.DeclaredQueue::name)
                .containsExactly("orders.placed", "orders.placed.dlq", "orders.placed.retry.1", "orders.placed.retry.2");
        assertThat(topology.queues().get(3).arguments())
                .as("a delay queue sends expired messages back to the failing queue only, via the default exchange")
                .containsEntry("x-message-ttl", 10_000)
                .containsEntry("x-dead-letter-exchange", "")
                .containsEntry("x-dead-letter-routing-key", "orders.placed");
        assertThat(topology.bindings()).contains(new BindingSpec("orders.placed.dlx", "orders.placed.dlq", "orders.placed"));
    }

    @Test
    void classicQueueHasNoDeadLetteringUnlessAskedFor() {
        assertThat(QueueSpec.classic("cache.events").build().arguments()).containsOnlyKeys("x-queue-type");
    }

    @Test
    void deliveryLimitWithoutDeadLetteringIsRefusedBecauseTheBrokerWouldDropMessages() {
        assertThatThrownBy(() -> QueueSpec.quorum("q").deadLettering(false).build())
                .hasMessageContaining("would make the broker drop messages");
    }

    @Test
    void bindingToAnUndeclaredExchangeOrWithABlankKeyOnATopicExchangeIsRefused() {
        assertThatThrownBy(() -> Topology.builder().queue(QueueSpec.classic("q")).bind("nowhere", "q", "k").build())
                .hasMessageContaining("names exchange 'nowhere', which this topology does not declare");
        assertThatThrownBy(() -> Topology.builder().exchange("orders", ExchangeType.TOPIC)
                .queue(QueueSpec.classic("q")).bind("orders", "q", "").build())
                .hasMessageContaining("blank routing key");
    }

    @Test
    void reservedAndBlankNamesAreRefused() {
        assertThatThrownBy(() -> ExchangeSpec.of("", ExchangeType.DIRECT)).hasMessageContaining("default exchange");
        assertThatThrownBy(() -> QueueSpec.classic("amq.gen-1")).hasMessageContaining("reserved");
    }
}
