package io.github.microkit.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PublisherConfigTest {

    @Test
    void defaultsAreAWindowOf256OnOneChannel() {
        PublisherConfig config = PublisherConfig.defaults();
        assertThat(config.window()).isEqualTo(256);
        assertThat(config.channels()).isEqualTo(PublisherConfig.DEFAULT_CHANNELS).isEqualTo(1);
        assertThat(PublisherConfig.from(PublisherConfig.builder().channels(3).build()).build().channels())
                .as("from(base) keeps the channel count").isEqualTo(3);
    }

    @Test
    void aChannelCountOutsideOneTo64IsRefusedNamingTheRange() {
        assertThatThrownBy(() -> PublisherConfig.builder().channels(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 1 and 64");
        assertThatThrownBy(() -> PublisherConfig.builder().channels(65))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 65");
    }
}
