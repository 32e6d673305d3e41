package io.github.microkit.samples.common;

import io.github.microkit.config.EnvConfig;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.secrets.VaultSettings;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything a sample service reads from its environment (the table in DESIGN.md and the README), read in one
 * pass so that a start with three mistakes reports all three at once.
 *
 * @param httpPort        {@code HTTP_PORT}
 * @param rabbit          {@code RABBITMQ_URI}, with {@code RABBITMQ_USERNAME}/{@code RABBITMQ_PASSWORD} over its user info
 * @param jwtIssuer       {@code JWT_ISSUER}
 * @param jwtJwksUri      {@code JWT_JWKS_URI}; empty means OIDC discovery of the issuer
 * @param jwtAudience     {@code JWT_AUDIENCE}
 * @param vault           {@code VAULT_ADDR} and its login variables; empty means no Vault
 * @param vaultRabbitRole {@code VAULT_RABBITMQ_ROLE}: RabbitMQ credentials from {@code rabbitmq/creds/<role>}
 * @param vaultKvMount    {@code VAULT_KV_MOUNT}: the KV v2 engine of the service's static secrets
 * @param vaultKvPath     {@code VAULT_KV_PATH}: the service's secret there ({@code microkit/<service>})
 * @param shutdownTimeout {@code SHUTDOWN_TIMEOUT}
 * @param database        {@code DATABASE_*}
 */
public record ServiceSettings(int httpPort, RabbitConfig rabbit, String jwtIssuer, Optional<URI> jwtJwksUri,
                        String jwtAudience, Optional<VaultSettings> vault, Optional<String> vaultRabbitRole,
                        String vaultKvMount, String vaultKvPath, Duration shutdownTimeout,
                        DatabaseSettings database) {

    /** @throws io.github.microkit.config.ConfigException listing every missing or malformed variable */
    public static ServiceSettings fromEnv(EnvConfig env, String service, int defaultHttpPort) {
        int httpPort = env.integer("HTTP_PORT", defaultHttpPort, 1, 65535);
        RabbitConfig rabbit = rabbitConfig(env, service);
        String issuer = env.requiredUri("JWT_ISSUER").toString();
        Optional<URI> jwksUri = env.uri("JWT_JWKS_URI");
        String audience = env.string("JWT_AUDIENCE", "orders-api");
        Optional<VaultSettings> vault = VaultSettings.fromEnv(env);
        Optional<String> vaultRabbitRole = env.optional("VAULT_RABBITMQ_ROLE");
        if (vaultRabbitRole.isPresent() && vault.isEmpty()) {
            env.problem("VAULT_RABBITMQ_ROLE is set but VAULT_ADDR is not: set VAULT_ADDR or unset VAULT_RABBITMQ_ROLE");
        }
        String kvMount = env.string("VAULT_KV_MOUNT", "secret");
        String kvPath = env.string("VAULT_KV_PATH", "microkit/" + shortName(service));
        Duration shutdownTimeout = env.duration("SHUTDOWN_TIMEOUT", Duration.ofSeconds(20));
        DatabaseSettings database = DatabaseSettings.fromEnv(env, service);
        env.validate();
        return new ServiceSettings(httpPort, rabbit, issuer, jwksUri, audience, vault, vaultRabbitRole, kvMount, kvPath,
                shutdownTimeout, database);
    }

    /** {@code sample-producer} is {@code producer} in Vault's layout (DESIGN.md: {@code secret/microkit/<service>}). */
    private static String shortName(String service) {
        return service.startsWith("sample-") ? service.substring("sample-".length()) : service;
    }

    private static RabbitConfig rabbitConfig(EnvConfig env, String service) {
        String uri = env.string("RABBITMQ_URI", "amqp://guest:guest@127.0.0.1:5672");
        Optional<String> username = env.optional("RABBITMQ_USERNAME");
        Optional<String> password = env.optional("RABBITMQ_PASSWORD");
        try {
            RabbitConfig.Builder builder = RabbitConfig.builder().uri(uri).connectionName(service);
            if (username.isPresent() || password.isPresent()) {
                // the two variables override the URI's user info, one or both
                String[] fromUri = userInfo(uri);
                builder.credentials(username.orElse(fromUri[0]), password.orElse(fromUri[1]));
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            // RabbitConfig's messages never repeat the URI (it may hold a password)
            env.problem("RABBITMQ_URI: " + e.getMessage());
            return RabbitConfig.defaults();
        }
    }

    /** The URI's user and password, decoded; guest/guest when it has none (amqp-client's default). */
    private static String[] userInfo(String uri) {
        String raw = URI.create(uri.strip()).getRawUserInfo();
        if (raw == null) {
            return new String[] {"guest", "guest"};
        }
        int colon = raw.indexOf(':');
        String user = colon < 0 ? raw : raw.substring(0, colon);
        String password = colon < 0 ? "" : raw.substring(colon + 1);
        return new String[] {URLDecoder.decode(user, StandardCharsets.UTF_8),
                URLDecoder.decode(password, StandardCharsets.UTF_8)};
    }
}
