package io.github.microkit.samples.consumer;

import com.rabbitmq.client.impl.CredentialsProvider;
import io.github.microkit.secrets.LeasedSecret;
import io.github.microkit.secrets.RotatingCredentialsProvider;

import java.time.Duration;

/**
 * RabbitMQ credentials from a Vault lease, for new and recovering connections.
 *
 * <p>Why a wrapper: amqp-client refuses to open a connection whose provider announces an expiry unless a
 * {@code CredentialsRefreshService} is set, and that service refreshes open connections with
 * {@code update-secret}, which helps OAuth 2 tokens but not Vault's RabbitMQ users (a new lease is a new
 * user, so it needs a new connection: make-before-break, DESIGN.md "Rotation"). So this provider announces no
 * expiry: the {@code VaultClient} renews the lease in the background (up to its max TTL) and every connection
 * opened or recovered later logs in with the lease in force at that moment.
 */
final class VaultRabbitCredentials implements CredentialsProvider {

    private final RotatingCredentialsProvider delegate;

    VaultRabbitCredentials(LeasedSecret lease) {
        this.delegate = RotatingCredentialsProvider.of(lease);
    }

    @Override
    public String getUsername() {
        return delegate.getUsername();
    }

    @Override
    public String getPassword() {
        return delegate.getPassword();
    }

    @Override
    public Duration getTimeBeforeExpiration() {
        return null; // see the class comment
    }

    @Override
    public void refresh() {
        delegate.refresh();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
