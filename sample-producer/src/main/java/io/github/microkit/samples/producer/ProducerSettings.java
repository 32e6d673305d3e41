package io.github.microkit.samples.producer;

import io.github.microkit.config.EnvConfig;
import io.github.microkit.samples.common.ServiceSettings;

import java.util.List;
import java.util.Locale;

/**
 * The producer's settings: those both services share ({@link ServiceSettings}) and {@code PUBLISH_MODE}, read in
 * one pass, so that every problem is reported at once.
 */
record ProducerSettings(ServiceSettings common, PublishMode publishMode) {

    static final String SERVICE = "sample-producer";

    /** @throws io.github.microkit.config.ConfigException listing every missing or malformed variable */
    static ProducerSettings fromEnv(EnvConfig env) {
        // read before the common part, which validates everything recorded in env so far
        String mode = env.oneOf("PUBLISH_MODE", "confirm", List.of("confirm", "outbox"));
        ServiceSettings common = ServiceSettings.fromEnv(env, SERVICE, 8080);
        return new ProducerSettings(common, PublishMode.valueOf(mode.toUpperCase(Locale.ROOT)));
    }
}
