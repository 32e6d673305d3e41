package io.github.microkit.samples.common;

import io.github.microkit.config.ConfigException;
import io.github.microkit.config.EnvConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The variables both samples read; each service's own test covers its name, its port and what it adds. */
class ServiceSettingsTest {

    private static final String ISSUER = "http://127.0.0.1:8090/default";

    private static ServiceSettings read(Map<String, String> env) {
        return ServiceSettings.fromEnv(EnvConfig.from(env), "sample-example", 8099);
    }

    @Test
    void onlyTheIssuerIsRequiredAndEverythingElseHasTheDocumentedDefault() {
        ServiceSettings settings = read(Map.of("JWT_ISSUER", ISSUER));

        assertThat(settings.httpPort()).isEqualTo(8099);
        assertThat(settings.rabbit().describeTarget()).isEqualTo("amqp://guest@127.0.0.1:5672/%2F");
        assertThat(settings.jwtIssuer()).isEqualTo(ISSUER);
        assertThat(settings.jwtAudience()).isEqualTo("orders-api");
        assertThat(settings.jwtJwksUri()).isEmpty();
        assertThat(settings.vault()).isEmpty();
        assertThat(settings.vaultRabbitRole()).isEmpty();
        assertThat(settings.vaultKvMount()).isEqualTo("secret");
        assertThat(settings.vaultKvPath()).isEqualTo("microkit/example");
        assertThat(settings.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(settings.database().embedded()).isTrue();
        assertThat(settings.database().jdbcUrl())
                .isEqualTo("jdbc:h2:file:./data/sample-example;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=TRUE;WRITE_DELAY=0");
        assertThat(settings.database().migrate()).isTrue();
        assertThat(settings.database().poolSize()).isEqualTo(10);
    }

    @Test
    void everyProblemIsReportedInOneMessageWithoutThePassword() {
        Map<String, String> env = Map.of(
                "HTTP_PORT", "eighty",
                "RABBITMQ_URI", "http://user:s3cret@broker:5672",
                "VAULT_RABBITMQ_ROLE", "producer",
                "SHUTDOWN_TIMEOUT", "soon");

        assertThatThrownBy(() -> read(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                        .contains("HTTP_PORT", "RABBITMQ_URI", "JWT_ISSUER", "VAULT_RABBITMQ_ROLE", "SHUTDOWN_TIMEOUT")
                        .doesNotContain("s3cret"));
    }

    @Test
    void usernameAndPasswordVariablesOverrideTheUrisUserInfo() {
        ServiceSettings settings = read(Map.of(
                "JWT_ISSUER", ISSUER,
                "RABBITMQ_URI", "amqp://guest:guest@broker:5672/shop",
                "RABBITMQ_USERNAME", "orders-example"));

        assertThat(settings.rabbit().username()).isEqualTo("orders-example");
        assertThat(settings.rabbit().describeTarget()).isEqualTo("amqp://orders-example@broker:5672/shop");
    }

    @Test
    void databaseVariablesAreReadAndThePasswordIsShownNowhere() {
        DatabaseSettings database = read(Map.of(
                "JWT_ISSUER", ISSUER,
                "DATABASE_URL", "jdbc:postgresql://db:5432/orders?password=s3cret",
                "DATABASE_USERNAME", "orders",
                "DATABASE_PASSWORD", "s3cret",
                "DATABASE_MIGRATE", "false",
                "DATABASE_POOL_SIZE", "4")).database();

        assertThat(database.embedded()).isFalse();
        assertThat(database.migrate()).isFalse();
        assertThat(database.poolSize()).isEqualTo(4);
        assertThat(database.username()).contains("orders");
        assertThat(database.password()).get().extracting(p -> p.reveal()).isEqualTo("s3cret");
        assertThat(database.describeTarget()).isEqualTo("jdbc:postgresql://db:5432/orders?password=***");
        assertThat(database.toString()).doesNotContain("s3cret");
    }

    @Test
    void databaseProblemsAreReportedWithTheOthers() {
        assertThatThrownBy(() -> read(Map.of(
                "DATABASE_URL", "postgres://db/orders",
                "DATABASE_POOL_SIZE", "0")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anySatisfy(p -> assertThat(p).contains("DATABASE_URL"))
                        .anySatisfy(p -> assertThat(p).contains("DATABASE_POOL_SIZE"))
                        .anySatisfy(p -> assertThat(p).contains("JWT_ISSUER")));
    }
}
