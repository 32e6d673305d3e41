package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SubscriptionConfigTest {

    record OrderPlaced(String orderId, int quantity) {
    }

    @Test
    void defaultsAreOneChannelPrefetch250AndOneAttemptPerRetryDelayPlusTheFirst() {
        QueueSpec spec = QueueSpec.quorum("orders.placed").retryDelays(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .build();
        SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(spec, OrderPlaced.class).build();
        assertThat(config.prefetch()).isEqualTo(250);
        assertThat(config.concurrency()).isEqualTo(1);
        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.deduplicator()).isEmpty();
        assertThat(config.accepts("anything")).isTrue();
        assertThat(config.accepts(null)).isTrue();

        SubscriptionConfig<OrderPlaced> typed = SubscriptionConfig.from(config).acceptTypes("order.placed.v1")
                .concurrency(4).build();
        assertThat(typed.accepts("order.placed.v1")).isTrue();
        assertThat(typed.accepts("order.cancelled.v1")).isFalse();
        assertThat(typed.accepts(null)).isFalse();
        assertThat(typed.concurrency()).isEqualTo(4);
        assertThat(typed.prefetch()).isEqualTo(250);
    }

    @Test
    void aQueueWithoutDeadLetteringIsRefusedBecauseFailuresWouldHaveNowhereToGo() {
        assertThatThrownBy(() -> SubscriptionConfig.forQueue(QueueSpec.classic("plain").build(), OrderPlaced.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no dead-lettering");
    }

    @Test
    void valuesOutOfRangeAreRefusedAsTheyAreSet() {
        SubscriptionConfig.Builder<OrderPlaced> b = SubscriptionConfig.forQueue(QueueSpec.quorum("q").build(),
                OrderPlaced.class);
        assertThatThrownBy(() -> b.prefetch(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.concurrency(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.acceptTypes(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.drainTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void batchesHoldUpTo100MessagesOrThePrefetchWhenSmallerAndWait10Milliseconds() {
        QueueSpec spec = QueueSpec.quorum("orders.placed").build();
        SubscriptionConfig<OrderPlaced> config = SubscriptionConfig.forQueue(spec, OrderPlaced.class).build();
        assertThat(config.batchSize()).isEqualTo(100);
        assertThat(config.batchWait()).isEqualTo(Duration.ofMillis(10));
        assertThat(SubscriptionConfig.from(config).prefetch(40).build().batchSize())
                .as("unset, it follows a smaller prefetch (a batch larger than the prefetch could never fill)")
                .isEqualTo(40);

        SubscriptionConfig<OrderPlaced> set = SubscriptionConfig.forQueue(spec, OrderPlaced.class).batchSize(300)
                .prefetch(600).batchWait(Duration.ofMillis(50)).build();
        assertThat(set.batchSize()).isEqualTo(300);
        assertThat(SubscriptionConfig.from(set).build().batchSize()).isEqualTo(300);
        assertThat(SubscriptionConfig.from(set).build().batchWait()).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void aBatchSizeAboveThePrefetchOrAnUnboundedBatchWaitIsRefusedWithTheFix() {
        SubscriptionConfig.Builder<OrderPlaced> b = SubscriptionConfig.forQueue(QueueSpec.quorum("q").build(),
                OrderPlaced.class);
        assertThatThrownBy(() -> SubscriptionConfig.from(b.build()).batchSize(300).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize 300 exceeds the prefetch 250")
                .hasMessageContaining("Raise the prefetch");
        assertThatThrownBy(() -> b.batchSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and the prefetch");
        assertThatThrownBy(() -> b.batchWait(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> b.batchWait(Duration.ofMillis(-5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.batchWait(Duration.ofSeconds(61))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most PT1M");
        assertThat(b.batchWait(Duration.ofMinutes(1)).batchSize(250).build().batchSize()).isEqualTo(250);
    }

    @Test
    void exceptionMessagesLoseWhatLooksLikeASecretAndAreTruncated() {
        String cleaned = RabbitSubscription.safeMessage(new IllegalStateException(
                "login failed: password=hunter2 token: abc.def Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig"
                        + " at amqp://admin:pw@broker:5672"));
        assertThat(cleaned).doesNotContain("hunter2", "abc.def", "eyJ", "admin:pw").contains("password=***");
        assertThat(RabbitSubscription.safeMessage(new IllegalStateException("x".repeat(1000)))).hasSize(256);
        assertThat(RabbitSubscription.safeMessage(new IllegalStateException())).isEmpty();
    }
}
