package io.github.microkit.vault.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void readsSecondsAndGoStyleDurationsAsVaultDoes() {
        assertThat(Durations.parse("3600", "ttl")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("1h30m", "ttl")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("768h", "ttl")).isEqualTo(Duration.ofDays(32));
        assertThat(Durations.parse("1.5s", "ttl")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("2d", "ttl")).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void rejectsWhatIsNotADurationNamingTheField() {
        assertThatThrownBy(() -> Durations.parse("an hour", "token_ttl"))
                .isInstanceOf(ApiError.class).hasMessageContaining("token_ttl");
        assertThatThrownBy(() -> Durations.parse("1h garbage", "ttl")).isInstanceOf(ApiError.class);
    }

    @Test
    void writesDurationsTheWayVaultsMetadataShowsThem() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m0s");
    }
}
