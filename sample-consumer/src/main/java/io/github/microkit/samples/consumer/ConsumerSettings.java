package io.github.microkit.samples.consumer;

import io.github.microkit.config.EnvConfig;
import io.github.microkit.samples.common.ServiceSettings;

/** The consumer's name and default port; the variables themselves are read by {@link ServiceSettings}. */
final class ConsumerSettings {

    static final String SERVICE = "sample-consumer";

    private ConsumerSettings() {
    }

    /** @throws io.github.microkit.config.ConfigException listing every missing or malformed variable */
    static ServiceSettings fromEnv(EnvConfig env) {
        return ServiceSettings.fromEnv(env, SERVICE, 8081);
    }
}
