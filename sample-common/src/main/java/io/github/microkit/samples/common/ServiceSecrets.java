package io.github.microkit.samples.common;

import io.github.microkit.health.HealthRegistry;
import io.github.microkit.messaging.Rabbit;
import io.github.microkit.messaging.RabbitConfig;
import io.github.microkit.secrets.LeasedSecret;
import io.github.microkit.secrets.RotatingCredentialsProvider;
import io.github.microkit.secrets.VaultClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a service's credentials come from. Without {@code VAULT_ADDR}, the environment ({@code RABBITMQ_*},
 * {@code DATABASE_*}) as it is. With it, a Vault session (health check {@code vault}): the database's user and
 * password from the service's KV secret when it holds them ({@link Database#credentialsFromVault}), and with
 * {@code VAULT_RABBITMQ_ROLE} the RabbitMQ credentials from a lease of Vault's RabbitMQ engine, a new broker user
 * per lease. Closing ends the Vault session.
 *
 * <pre>{@code
 * ServiceSecrets secrets = ServiceSecrets.open(settings, health);
 * Rabbit rabbit = Rabbit.connect(secrets.rabbit());                   // the lease's user, whichever is in force
 * AutoCloseable moving = secrets.replaceConnectionsOnRotation(rabbit); // close it before rabbit
 * Database database = Database.open(secrets.database(), ...);
 * }</pre>
 */
public final class ServiceSecrets implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceSecrets.class);

    private final Optional<VaultClient> vault;
    private final DatabaseSettings database;
    private final RabbitConfig rabbit;
    private final Optional<LeasedSecret> rabbitLease;

    private ServiceSecrets(Optional<VaultClient> vault, DatabaseSettings database, RabbitConfig rabbit,
                           Optional<LeasedSecret> rabbitLease) {
        this.vault = vault;
        this.database = database;
        this.rabbit = rabbit;
        this.rabbitLease = rabbitLease;
    }

    /**
     * Reads the credentials now, so that a start without them fails here: with Vault, logs in, reads the KV
     * secret and takes the first RabbitMQ lease.
     */
    public static ServiceSecrets open(ServiceSettings settings, HealthRegistry health) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(health, "health");
        if (settings.vault().isEmpty()) {
            return new ServiceSecrets(Optional.empty(), settings.database(), settings.rabbit(), Optional.empty());
        }
        VaultClient vault = VaultClient.connect(settings.vault().get());
        try {
            health.register("vault", vault.healthCheck());
            // database.username/database.password of the service's KV secret, when there, over DATABASE_*
            DatabaseSettings database = Database.credentialsFromVault(vault, settings);
            RabbitConfig rabbit = settings.rabbit();
            Optional<LeasedSecret> rabbitLease = Optional.empty();
            if (settings.vaultRabbitRole().isPresent()) {
                LeasedSecret lease = vault.rabbitmqCredentials(settings.vaultRabbitRole().get());
                // every new or recovering connection logs in with the lease in force at that moment
                rabbit = RabbitConfig.from(rabbit).credentialsProvider(RotatingCredentialsProvider.of(lease)).build();
                rabbitLease = Optional.of(lease);
                LOG.info("RabbitMQ credentials from Vault role {} (lease {})", settings.vaultRabbitRole().get(),
                        lease.current().leaseId());
            }
            return new ServiceSecrets(Optional.of(vault), database, rabbit, rabbitLease);
        } catch (RuntimeException e) {
            vault.close(); // the service's stop never sees this one
            throw e;
        }
    }

    /** {@code DATABASE_*}, with the user and password from Vault's KV secret when it holds them. */
    public DatabaseSettings database() {
        return database;
    }

    /** {@code RABBITMQ_*}; with a Vault lease, on rotating credentials instead of a user and password. */
    public RabbitConfig rabbit() {
        return rabbit;
    }

    /**
     * With a RabbitMQ lease: each time Vault replaces it (a new broker user), moves {@code rabbit} to a new
     * connection before the old user goes (make-before-break). Without one, does nothing. Close the returned
     * handle before {@code rabbit}.
     */
    public AutoCloseable replaceConnectionsOnRotation(Rabbit rabbit) {
        Objects.requireNonNull(rabbit, "rabbit");
        if (rabbitLease.isEmpty()) {
            return () -> { };
        }
        return rabbitLease.get().onRotation((previous, next) -> {
            LOG.info("Vault replaced lease {} by {}: moving to a connection with the new RabbitMQ user",
                    previous.leaseId(), next.leaseId());
            rabbit.replaceConnections();
        });
    }

    /** Ends the Vault session, if any. */
    @Override
    public void close() {
        vault.ifPresent(VaultClient::close);
    }

    @Override
    public String toString() {
        return "ServiceSecrets[" + (vault.isPresent() ? "Vault" : "environment")
                + (rabbitLease.isPresent() ? ", RabbitMQ lease" : "") + "]";
    }
}
