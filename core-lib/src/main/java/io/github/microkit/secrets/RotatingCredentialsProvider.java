package io.github.microkit.secrets;

import com.rabbitmq.client.impl.CredentialsProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * amqp-client's {@link CredentialsProvider} over a {@link LeasedSecret} (e.g. {@code rabbitmq/creds/<role>}):
 * every new or recovering connection logs in with the lease in force at that moment, so a connection opened
 * after a rotation uses the new user. Set it with {@code ConnectionFactory.setCredentialsProvider(...)}.
 *
 * <p>amqp-client asks for the user name and then the password in two calls; a rotation between them would
 * pair one lease's user with another's password. So the user name call pins its lease for the calling
 * thread and the password call that follows on that thread takes the password from the same lease.
 */
public final class RotatingCredentialsProvider implements CredentialsProvider {

    private final LeasedSecret lease;
    private final String usernameKey;
    private final String passwordKey;
    private final Clock clock;
    private final ThreadLocal<Lease> pinned = new ThreadLocal<>();

    private RotatingCredentialsProvider(LeasedSecret lease, String usernameKey, String passwordKey, Clock clock) {
        this.lease = lease;
        this.usernameKey = usernameKey;
        this.passwordKey = passwordKey;
        this.clock = clock;
    }

    /** Reads keys {@code username} and {@code password}, as Vault's RabbitMQ secrets engine returns them. */
    public static RotatingCredentialsProvider of(LeasedSecret lease) {
        return of(lease, "username", "password", Clock.systemUTC());
    }

    /** With other key names, and the clock that {@link #getTimeBeforeExpiration()} is computed on. */
    public static RotatingCredentialsProvider of(LeasedSecret lease, String usernameKey, String passwordKey, Clock clock) {
        return new RotatingCredentialsProvider(Objects.requireNonNull(lease, "lease"),
                Objects.requireNonNull(usernameKey, "usernameKey"), Objects.requireNonNull(passwordKey, "passwordKey"),
                Objects.requireNonNull(clock, "clock"));
    }

    @Override
    public String getUsername() {
        Lease now = lease.current();
        pinned.set(now);
        return now.require(usernameKey).reveal();
    }

    @Override
    public String getPassword() {
        Lease from = pinned.get();
        pinned.remove();
        return (from != null ? from : lease.current()).require(passwordKey).reveal();
    }

    /**
     * Null, meaning "does not expire" to amqp-client: its refresh service exists for OAuth 2 tokens, which it
     * pushes into the open connection with update-secret; a rotated RabbitMQ user is a different user, which
     * only a new connection can use. The lease's own end is {@link #leaseRemaining()}.
     */
    @Override
    public Duration getTimeBeforeExpiration() {
        return null;
    }

    /** How long the current lease's values still work if Vault stopped renewing them now. */
    public Duration leaseRemaining() {
        return lease.current().remaining(clock.instant());
    }

    /** Nothing to do: the {@link VaultClient} renews and replaces the lease on its own schedule. */
    @Override
    public void refresh() {
        // the lease is kept fresh in the background; forcing a new one here would add a broker user per call
    }

    @Override
    public String toString() {
        return "RotatingCredentialsProvider[" + lease.path() + "]";
    }
}
