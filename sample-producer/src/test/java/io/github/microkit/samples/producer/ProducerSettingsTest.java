package io.github.microkit.samples.producer;

import io.github.microkit.samples.common.ServiceSettings;
import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProducerSettingsTest {

    @Test
    void onlyTheIssuerIsRequiredAndEverythingElseHasTheDocumentedDefault() {
        ServiceSettings settings = ProducerSettings.fromEnv(EnvConfig.from(Map.of("JWT_ISSUER", "http://127.0.0.1:8090/default")));

        assertThat(settings.httpPort()).isEqualTo(8080);
        assertThat(settings.rabbit().describeTarget()).isEqualTo("amqp://guest@127.0.0.1:5672/%2F");
        assertThat(settings.jwtAudience()).isEqualTo("orders-api");
        assertThat(settings.jwtJwksUri()).isEmpty();
        assertThat(settings.vault()).isEmpty();
        assertThat(settings.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void everyProblemIsReportedInOneMessageWithoutThePassword() {
        Map<String, String> env = Map.of(
                "HTTP_PORT", "eighty",
                "RABBITMQ_URI", "http://user:s3cret@broker:5672",
                "VAULT_RABBITMQ_ROLE", "producer",
                "SHUTDOWN_TIMEOUT", "soon");

        assertThatThrownBy(() -> ProducerSettings.fromEnv(EnvConfig.from(env)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("HTTP_PORT", "RABBITMQ_URI", "JWT_ISSUER", "VAULT_RABBITMQ_ROLE", "SHUTDOWN_TIMEOUT")
                        .doesNotContain("s3cret"));
    }

    @Test
    void usernameAndPasswordVariablesOverrideTheUrisUserInfo() {
        ServiceSettings settings = ProducerSettings.fromEnv(EnvConfig.from(Map.of(
                "JWT_ISSUER", "http://127.0.0.1:8090/default",
                "RABBITMQ_URI", "amqp://guest:guest@broker:5672/shop",
                "RABBITMQ_USERNAME", "orders-producer")));

        assertThat(settings.rabbit().username()).isEqualTo("orders-producer");
        assertThat(settings.rabbit().describeTarget()).isEqualTo("amqp://orders-producer@broker:5672/shop");
    }
}
