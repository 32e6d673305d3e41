package io.github.microkit.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvConfigTest {

    @Test
    void everyProblemIsReportedInOneExceptionNotJustTheFirst() {
        EnvConfig env = EnvConfig.from(Map.of("HTTP_PORT", "eighty", "SHUTDOWN_TIMEOUT", "soon"));

        env.integer("HTTP_PORT", 8080);
        env.requiredUri("JWT_ISSUER");
        env.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(20));

        assertThatThrownBy(env::validate)
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "HTTP_PORT is 'eighty' but must be an integer, e.g. 8080",
                        "JWT_ISSUER is required but not set: set it to an absolute URI",
                        "SHUTDOWN_TIMEOUT is 'soon' but must be an ISO-8601 duration such as PT20S, or whole seconds such as 20"))
                .hasMessageStartingWith("Invalid configuration (3 problems):");
    }

    @Test
    void defaultsApplyWhenVariablesAreUnsetOrBlank() {
        EnvConfig env = EnvConfig.from(Map.of("HTTP_PORT", "  "));

        assertThat(env.integer("HTTP_PORT", 8081)).isEqualTo(8081);
        assertThat(env.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(20))).isEqualTo(Duration.ofSeconds(20));
        assertThat(env.string("JWT_AUDIENCE", "orders-api")).isEqualTo("orders-api");
        assertThat(env.bool("VERBOSE", false)).isFalse();
        env.validate();
    }

    @Test
    void durationsTakeIsoOrWholeSeconds() {
        EnvConfig env = EnvConfig.from(Map.of("A", "PT1M", "B", "45", "C", "pt2s"));

        assertThat(env.duration("A", Duration.ZERO)).isEqualTo(Duration.ofMinutes(1));
        assertThat(env.duration("B", Duration.ZERO)).isEqualTo(Duration.ofSeconds(45));
        assertThat(env.duration("C", Duration.ZERO)).isEqualTo(Duration.ofSeconds(2));
        env.validate();
    }

    @Test
    void fileVariantReadsTheValueFromTheFileItNames(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("password");
        Files.writeString(secret, "s3cret\n");
        EnvConfig env = EnvConfig.from(Map.of("RABBITMQ_PASSWORD_FILE", secret.toString()));

        assertThat(env.optional("RABBITMQ_PASSWORD")).contains("s3cret");
        env.validate();
    }

    @Test
    void settingBothAVariableAndItsFileVariantIsAProblem(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("password");
        Files.writeString(secret, "from-file");
        EnvConfig env = EnvConfig.from(Map.of("RABBITMQ_PASSWORD", "direct", "RABBITMQ_PASSWORD_FILE", secret.toString()));

        env.optional("RABBITMQ_PASSWORD");

        assertThat(env.problems()).containsExactly("RABBITMQ_PASSWORD and RABBITMQ_PASSWORD_FILE are both set: set only one of them");
    }

    @Test
    void malformedValueReadFromAFileIsNeverEchoed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("port");
        Files.writeString(file, "not-a-port-but-maybe-a-secret");
        EnvConfig env = EnvConfig.from(Map.of("HTTP_PORT_FILE", file.toString()));

        env.integer("HTTP_PORT", 8080);

        assertThat(env.problems()).singleElement().asString()
                .contains("the value in HTTP_PORT_FILE").doesNotContain("maybe-a-secret");
    }

    @Test
    void unreadableFileIsAProblemNamingThePath(@TempDir Path dir) {
        EnvConfig env = EnvConfig.from(Map.of("VAULT_TOKEN_FILE", dir.resolve("missing").toString()));

        env.optional("VAULT_TOKEN");

        assertThat(env.problems()).singleElement().asString().contains("VAULT_TOKEN_FILE names").contains("missing")
                .contains("cannot be read");
    }

    @Test
    void rangeAndChoiceChecksNameTheAllowedValues() {
        EnvConfig env = EnvConfig.from(Map.of("HTTP_PORT", "70000", "VAULT_AUTH", "ldap"));

        env.integer("HTTP_PORT", 8080, 1, 65535);
        env.oneOf("VAULT_AUTH", "token", List.of("token", "approle", "kubernetes"));

        assertThat(env.problems()).containsExactly("HTTP_PORT is 70000 but must be between 1 and 65535",
                "VAULT_AUTH is 'ldap' but must be one of [token, approle, kubernetes]");
    }
}
