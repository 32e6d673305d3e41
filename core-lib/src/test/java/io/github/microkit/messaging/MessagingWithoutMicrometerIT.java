package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.microkit.health.HealthStatus;
import io.github.microkit.testing.rabbitmq.RabbitMqBroker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Micrometer is an optional dependency of microkit: a team that does not use it must be able to publish and consume
 * with confirms, retries and deduplication all the same. This test runs in its own failsafe execution whose class
 * path has no Micrometer jar at all (core-lib/pom.xml, {@code without-micrometer}); the first assertion proves it.
 * A filtered run ({@code -Dit.test=...}) also reaches the ordinary execution, where Micrometer is present: there it is
 * reported as disabled instead of failing on a class path it was not written for.
 */
@EnabledIfSystemProperty(named = "microkit.classpath", matches = "without-micrometer",
        disabledReason = "runs in the without-micrometer failsafe execution only")
class MessagingWithoutMicrometerIT {

    @RegisterExtension
    static final RabbitMqBroker broker = RabbitMqBroker.fromEnvironment();

    record Greeting(String text) {
    }

    @Test
    void publishesAndConsumesWithRetriesWhenMicrometerIsAbsent() {
        assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"))
                .as("this test must run without Micrometer on the class path")
                .isInstanceOf(ClassNotFoundException.class);

        String exchange = broker.uniqueName("greetings");
        QueueSpec queue = QueueSpec.quorum(broker.uniqueName("greetings.in"))
                .retryDelays(Duration.ofMillis(200))
                .build();
        List<String> handled = new CopyOnWriteArrayList<>();
        try (Rabbit rabbit = Rabbit.connect(RabbitConfig.builder().uri(broker.uri()).connectionName("no-micrometer").build())) {
            rabbit.declare(Topology.builder().exchange(exchange, ExchangeType.DIRECT).queue(queue)
                    .bind(exchange, queue.name(), "hello").build());
            Subscription subscription = rabbit.subscribe(SubscriptionConfig.forQueue(queue, Greeting.class)
                            .deduplicator(Deduplicator.inMemory())
                            .build(),
                    (greeting, meta) -> {
                        handled.add(greeting.text() + "#" + meta.attempt());
                        if (meta.attempt() == 1) {
                            throw new IllegalStateException("first attempt fails on purpose");
                        }
                    });
            try (Publisher publisher = rabbit.publisher()) {
                PublishConfirm confirm = publisher.publishAndWait(
                        OutboundMessage.to(exchange, "hello").payload(new Greeting("hej")).type("greeting.v1").build());
                assertThat(confirm.exchange()).isEqualTo(exchange);
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> handled.contains("hej#2"));
            assertThat(handled).containsExactly("hej#1", "hej#2");
            assertThat(rabbit.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            assertThat(subscription.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            assertThat(subscription.close(Duration.ofSeconds(5))).isTrue();
        }
    }
}
