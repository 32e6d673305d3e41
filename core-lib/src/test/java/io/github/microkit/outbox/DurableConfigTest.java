package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The configs of the outbox package validate as they are built and keep what {@code from(base)} copies. */
class DurableConfigTest {

    @Test
    void relayDefaultsAreTheDocumentedOnesAndEveryIdIsUnique() {
        OutboxRelayConfig config = OutboxRelayConfig.defaults();
        assertThat(config.batchSize()).isEqualTo(500);
        assertThat(config.leaseDuration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.pollInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.sentRetention()).isEqualTo(Duration.ofHours(1));
        assertThat(config.listen()).isTrue();
        assertThat(config.channel()).isEqualTo(OutboxConfig.DEFAULT_CHANNEL);
        assertThat(OutboxRelayConfig.defaults().relayId()).isNotEqualTo(config.relayId());
        assertThat(OutboxRelayConfig.from(config).build().relayId()).isEqualTo(config.relayId());
    }

    @Test
    void relayConfigRefusesValuesThatCannotWork() {
        assertThatThrownBy(() -> OutboxRelayConfig.builder().batchSize(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> OutboxRelayConfig.builder().retryBackoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryBackoff max");
        assertThatThrownBy(() -> OutboxRelayConfig.builder().leaseDuration(Duration.ofSeconds(1))
                .pollInterval(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than the leaseDuration");
        assertThatThrownBy(() -> OutboxRelayConfig.builder().channel("Robert'); drop table"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SQL identifier");
        assertThatThrownBy(() -> OutboxRelayConfig.builder().sentRetention(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void outboxAndInboxConfigsValidateAndCopy() {
        assertThat(OutboxConfig.defaults().notifyOnAppend()).as("pg_notify serializes commits: off by default").isFalse();
        OutboxConfig outbox = OutboxConfig.builder().appId("orders").maxMessageSize(1024).notifyOnAppend(true).build();
        OutboxConfig copy = OutboxConfig.from(outbox).build();
        assertThat(copy.appId()).contains("orders");
        assertThat(copy.maxMessageSize()).isEqualTo(1024);
        assertThat(copy.notifyOnAppend()).isTrue();
        assertThatThrownBy(() -> OutboxConfig.builder().maxMessageSize(0)).isInstanceOf(IllegalArgumentException.class);

        assertThat(InboxConfig.defaults().retention()).isEqualTo(Duration.ofDays(7));
        assertThat(InboxConfig.from(InboxConfig.builder().retention(Duration.ofDays(2)).build()).build().retention())
                .isEqualTo(Duration.ofDays(2));
        assertThatThrownBy(() -> InboxConfig.builder().retention(Duration.ofDays(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");

        assertThatThrownBy(() -> IdempotencyConfig.builder().lockTimeout(Duration.ofHours(25)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shorter than keyTtl");
    }

    @Test
    void failedRowsWaitLongerAfterEachAttemptUpToTheMaximum() {
        RelayLoop loop = new RelayLoop(null, null, OutboxRelayConfig.builder()
                .retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).build());
        assertThat(loop.backoff(1)).isEqualTo(100);
        assertThat(loop.backoff(2)).isEqualTo(200);
        assertThat(loop.backoff(4)).isEqualTo(800);
        assertThat(loop.backoff(5)).isEqualTo(1000);
        assertThat(loop.backoff(500)).isEqualTo(1000);
    }

    @Test
    void storedResponsesCopyTheirBodyAndKeepItOutOfToString() {
        byte[] body = "{\"orderId\":\"o-1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StoredResponse response = new StoredResponse(202, "application/json", body);
        body[0] = 'X';
        assertThat(response.bodyText()).startsWith("{");
        assertThat(response).isEqualTo(StoredResponse.json(202, "{\"orderId\":\"o-1\"}"));
        assertThat(response.toString()).doesNotContain("o-1");
    }
}
