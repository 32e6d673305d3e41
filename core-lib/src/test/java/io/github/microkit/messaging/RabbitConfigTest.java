package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RabbitConfigTest {

    @Test
    void uriGivesHostPortVhostAndCredentials() {
        RabbitConfig config = RabbitConfig.fromUri("amqp://orders%40svc:p%3Ass@rabbit.internal:5673/prod%2Feu");

        assertThat(config.host()).isEqualTo("rabbit.internal");
        assertThat(config.port()).isEqualTo(5673);
        assertThat(config.virtualHost()).isEqualTo("prod/eu");
        assertThat(config.username()).isEqualTo("orders@svc");
        assertThat(config.password()).isEqualTo("p:ss");
        assertThat(config.tls()).isFalse();
    }

    @Test
    void amqpsDefaultsToTlsOnPort5671AndTheRootVhost() {
        RabbitConfig config = RabbitConfig.fromUri("amqps://u:p@broker");

        assertThat(config.tls()).isTrue();
        assertThat(config.port()).isEqualTo(5671);
        assertThat(config.virtualHost()).isEqualTo("/");
    }

    @Test
    void toStringAndTargetNeverShowThePassword() {
        RabbitConfig config = RabbitConfig.fromUri("amqp://svc:hunter2-secret@broker:5672/orders");

        assertThat(config.toString()).doesNotContain("hunter2").contains("svc@broker:5672/orders");
        assertThat(config.describeTarget()).doesNotContain("hunter2");
    }

    @Test
    void malformedUriIsRejectedWithoutEchoingIt() {
        assertThatThrownBy(() -> RabbitConfig.fromUri("amqp://svc:pa ss-secret@broker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RabbitConfig.fromUri("http://broker"))
                .hasMessageContaining("must start with amqp:// or amqps://");
        assertThatThrownBy(() -> RabbitConfig.fromUri("amqp://broker/a/b"))
                .hasMessageContaining("%2F");
    }

    @Test
    void connectionToANonexistentBrokerFailsAfterItsRetriesNamingTheTarget() {
        RabbitConfig config = RabbitConfig.builder().host("127.0.0.1").port(1).credentials("svc", "secret-pw")
                .connectRetry(3, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(20)).build();

        assertThatThrownBy(() -> Rabbit.connect(config))
                .isInstanceOf(MessagingException.class)
                .hasMessageContaining("Could not connect to RabbitMQ at amqp://svc@127.0.0.1:1/%2F after 3 attempts")
                .hasMessageContaining("RABBITMQ_URI")
                .hasMessageNotContaining("secret-pw");
    }
}
