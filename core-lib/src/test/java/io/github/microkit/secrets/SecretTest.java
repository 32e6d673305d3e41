package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretTest {

    @Test
    void toStringShowsTheNameButNeverTheValue() {
        Secret secret = Secret.of("rabbitmq-password", "s3cr3t-value");

        assertThat(secret.toString()).contains("rabbitmq-password").doesNotContain("s3cr3t-value");
        assertThat(String.valueOf(java.util.List.of(secret))).doesNotContain("s3cr3t-value");
        assertThat(secret.reveal()).isEqualTo("s3cr3t-value");
    }

    @Test
    void secretsAreEqualByNameAndValue() {
        assertThat(Secret.of("a", "x")).isEqualTo(Secret.of("a", "x"));
        assertThat(Secret.of("a", "x")).isNotEqualTo(Secret.of("a", "y"));
        assertThat(Secret.of("a", "x").sameValueAs(Secret.of("b", "x"))).isTrue();
    }

    @Test
    void aBlankNameIsRejectedWithoutEchoingTheValue() {
        assertThatThrownBy(() -> Secret.of(" ", "s3cr3t-value"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("s3cr3t-value");
    }
}
