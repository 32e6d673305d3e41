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
        ProducerSettings producer = ProducerSettings.fromEnv(EnvConfig.from(Map.of("JWT_ISSUER", "http://127.0.0.1:8090/default")));
        ServiceSettings settings = producer.common();

        assertThat(settings.httpPort()).isEqualTo(8080);
        assertThat(settings.rabbit().describeTarget()).isEqualTo("amqp://guest@127.0.0.1:5672/%2F");
        assertThat(settings.jwtAudience()).isEqualTo("orders-api");
        assertThat(settings.jwtJwksUri()).isEmpty();
        assertThat(settings.vault()).isEmpty();
        assertThat(settings.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(producer.publishMode()).isEqualTo(PublishMode.CONFIRM);
        assertThat(settings.vaultKvMount()).isEqualTo("secret");
        assertThat(settings.vaultKvPath()).isEqualTo("microkit/producer");
        assertThat(settings.database().embedded()).isTrue();
        assertThat(settings.database().jdbcUrl())
                .isEqualTo("jdbc:h2:file:./data/sample-producer;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;WRITE_DELAY=0");
        assertThat(settings.database().migrate()).isTrue();
        assertThat(settings.database().poolSize()).isEqualTo(10);
    }

    @Test
    void databaseVariablesAndPublishModeAreReadAndTheirProblemsReportedWithTheOthers() {
        ProducerSettings producer = ProducerSettings.fromEnv(EnvConfig.from(Map.of(
                "JWT_ISSUER", "http://127.0.0.1:8090/default",
                "PUBLISH_MODE", "OUTBOX",
                "DATABASE_URL", "jdbc:postgresql://db:5432/orders?password=s3cret",
                "DATABASE_USERNAME", "orders",
                "DATABASE_PASSWORD", "s3cret",
                "DATABASE_MIGRATE", "false",
                "DATABASE_POOL_SIZE", "4")));

        assertThat(producer.publishMode()).isEqualTo(PublishMode.OUTBOX);
        assertThat(producer.common().database().embedded()).isFalse();
        assertThat(producer.common().database().migrate()).isFalse();
        assertThat(producer.common().database().poolSize()).isEqualTo(4);
        assertThat(producer.common().database().password()).get().extracting(p -> p.reveal()).isEqualTo("s3cret");
        assertThat(producer.common().database().describeTarget()).isEqualTo("jdbc:postgresql://db:5432/orders?password=***");
        assertThat(producer.common().database().toString()).doesNotContain("s3cret");

        assertThatThrownBy(() -> ProducerSettings.fromEnv(EnvConfig.from(Map.of(
                "PUBLISH_MODE", "later",
                "DATABASE_URL", "postgres://db/orders",
                "DATABASE_POOL_SIZE", "0"))))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(4)
                        .anySatisfy(p -> assertThat(p).contains("PUBLISH_MODE"))
                        .anySatisfy(p -> assertThat(p).contains("DATABASE_URL"))
                        .anySatisfy(p -> assertThat(p).contains("DATABASE_POOL_SIZE"))
                        .anySatisfy(p -> assertThat(p).contains("JWT_ISSUER")));
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
                "RABBITMQ_USERNAME", "orders-producer"))).common();

        assertThat(settings.rabbit().username()).isEqualTo("orders-producer");
        assertThat(settings.rabbit().describeTarget()).isEqualTo("amqp://orders-producer@broker:5672/shop");
    }
}
