package io.github.microkit.samples.producer;

import io.github.microkit.config.EnvConfig;
import io.github.microkit.samples.common.ServiceSettings;

/** The producer's name and default port; the variables themselves are read by {@link ServiceSettings}. */
final class ProducerSettings {

    static final String SERVICE = "sample-producer";

    private ProducerSettings() {
    }

    /** @throws io.github.microkit.config.ConfigException listing every missing or malformed variable */
    static ServiceSettings fromEnv(EnvConfig env) {
        return ServiceSettings.fromEnv(env, SERVICE, 8080);
    }
}
