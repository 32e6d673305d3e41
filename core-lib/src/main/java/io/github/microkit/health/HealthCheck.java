package io.github.microkit.health;

/**
 * Something that can say whether it works: a broker connection, a subscription, a key source, a Vault
 * session. Checks must be cheap and must not block on the network: report the state the component
 * already knows, so that a readiness probe never waits on a dependency that is away.
 */
@FunctionalInterface
public interface HealthCheck {

    Health check();
}
