package io.github.microkit.secrets;

import io.github.jopenlibs.vault.VaultException;
import io.github.jopenlibs.vault.response.AuthResponse;
import io.github.jopenlibs.vault.response.LookupResponse;
import io.github.microkit.health.Health;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token's life: login, renewal at about 2/3 of its TTL, a fresh login when it can no longer be renewed
 * (not renewable, max TTL reached, revoked), revocation on close. One login at a time; the token is
 * published through a volatile field holding an immutable state.
 */
final class VaultSession {

    private static final Logger LOG = LoggerFactory.getLogger(VaultSession.class);
    private static final String SELF = "auth/token/lookup-self";
    /** How long the background thread waits after a rejected login before it tries once more. */
    static final Duration REJECTED_LOGIN_PAUSE = Duration.ofMinutes(1);

    /** An immutable view of the current token. {@code expiresAt} is empty for a token that never expires. */
    record TokenState(Secret token, long generation, Instant obtainedAt, Duration loginTtl, boolean renewable,
            Optional<Instant> expiresAt, Instant actAt, boolean mustLogInAgain, String accessor,
            List<String> policies) {

        boolean expired(Instant now) {
            return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
        }
    }

    private final VaultSettings settings;
    private final VaultTransport transport;
    private final Clock clock;
    private final Object loginLock = new Object();
    private final List<Consumer<TokenState>> loginListeners = new CopyOnWriteArrayList<>();

    private volatile TokenState state;
    private volatile SecretAccessException lastFailure;
    private volatile Instant lastFailureAt;
    private volatile Instant lastSuccessAt;
    private volatile boolean closed;
    private long generations;

    VaultSession(VaultSettings settings, VaultTransport transport) {
        this.settings = settings;
        this.transport = transport;
        this.clock = settings.clock();
    }

    /** Called after every new login (not after renewals) with the new state; the handle removes it. */
    Runnable onLogin(Consumer<TokenState> listener) {
        loginListeners.add(listener);
        return () -> loginListeners.remove(listener);
    }

    Optional<TokenState> state() {
        return Optional.ofNullable(state);
    }

    /** The current token, logging in first if there is none or it has expired. */
    TokenState token() {
        return token(true);
    }

    /** @param retry false inside a caller's own retry loop, so that retries do not multiply */
    private TokenState token(boolean retry) {
        TokenState current = state;
        if (current != null && !current.expired(clock.instant())) {
            return current;
        }
        return logIn(current == null ? -1 : current.generation(), retry);
    }

    /**
     * Logs in unless another thread already replaced the token of generation {@code seen}: callers that saw
     * the same dead token all end up with the one new token, and Vault sees one login.
     */
    TokenState logIn(long seen) {
        return logIn(seen, true);
    }

    private TokenState logIn(long seen, boolean retry) {
        synchronized (loginLock) {
            if (closed) {
                throw SecretAccessException.vault(SecretAccessException.Reason.INVALID, transport.address(),
                        "auth", 0, "the Vault client is closed", null);
            }
            TokenState current = state;
            if (current != null && current.generation() != seen && !current.expired(clock.instant())) {
                return current;
            }
            if (current != null && !settings.auth().canLogInAgain()) {
                throw recordFailure(SecretAccessException.vault(SecretAccessException.Reason.LOGIN_REJECTED,
                        transport.address(), "auth", 0, "the given token is no longer valid and "
                                + settings.auth() + " cannot log in again: give the service a new token", null));
            }
            TokenState fresh;
            try {
                fresh = retry ? transport.retrying("login", this::loginOnce) : loginOnce();
            } catch (SecretAccessException e) {
                throw recordFailure(e);
            }
            state = fresh;
            recordSuccess();
            LOG.info("Vault login ({}) succeeded: accessor {}, policies {}, ttl {}s, renewable {}", settings.auth(),
                    fresh.accessor(), fresh.policies(), fresh.loginTtl().toSeconds(), fresh.renewable());
            for (Consumer<TokenState> listener : loginListeners) {
                try {
                    listener.accept(fresh);
                } catch (RuntimeException e) {
                    LOG.warn("A Vault login listener failed: {}", e.getClass().getName());
                }
            }
            return fresh;
        }
    }

    private TokenState loginOnce() {
        VaultAuth auth = settings.auth();
        Secret credential = auth.credential();
        Instant now = clock.instant();
        try {
            switch (auth.method()) {
                case APPROLE:
                    return fromAuth(transport.driver(null, 1, 1).auth().loginByAppRole(auth.mount(), auth.role(), credential.reveal()), now);
                case KUBERNETES:
                    return fromAuth(transport.driver(null, 1, 1).auth().loginByKubernetes(auth.role(), credential.reveal(), "auth/" + auth.mount()), now);
                default: {
                    LookupResponse self = transport.driver(credential, 1, 1).auth().lookupSelf();
                    Duration ttl = Duration.ofSeconds(self.getTTL());
                    return newState(credential, now, ttl, self.isRenewable(), self.getAccessor(), self.getPolicies());
                }
            }
        } catch (VaultException e) {
            int status = e.getHttpStatusCode();
            if (status == 400 || status == 401 || status == 403) {
                throw SecretAccessException.vault(SecretAccessException.Reason.LOGIN_REJECTED, transport.address(),
                        "auth (" + auth + ")", status, "check the role and credential", null);
            }
            throw transport.failure(e, "auth (" + auth + ")");
        }
    }

    private TokenState fromAuth(AuthResponse response, Instant now) {
        String token = response.getAuthClientToken();
        if (token == null || token.isEmpty()) {
            throw SecretAccessException.vault(SecretAccessException.Reason.INVALID, transport.address(), "auth", 200,
                    "the login answer carried no token", null);
        }
        return newState(Secret.of("vault-token", token), now, Duration.ofSeconds(response.getAuthLeaseDuration()),
                response.isAuthRenewable(), response.getTokenAccessor(), response.getAuthPolicies());
    }

    private TokenState newState(Secret token, Instant now, Duration ttl, boolean renewable, String accessor,
            List<String> policies) {
        long generation;
        synchronized (loginLock) {
            generation = ++generations;
        }
        Optional<Instant> expiresAt = ttl.isZero() ? Optional.empty() : Optional.of(now.plus(ttl));
        return new TokenState(token, generation, now, ttl, renewable, expiresAt, nextAction(now, ttl),
                !renewable, accessor == null ? "" : accessor, policies == null ? List.of() : List.copyOf(policies));
    }

    /** About 2/3 of the TTL, moved earlier by up to the jitter so that many instances spread out. */
    Instant nextAction(Instant now, Duration ttl) {
        double fraction = settings.renewAt() - ThreadLocalRandom.current().nextDouble() * settings.jitter();
        return now.plusMillis((long) (ttl.toMillis() * fraction));
    }

    /** One background step: renew or log in again when the current token's time has come. */
    void maintain() {
        if (closed) {
            return;
        }
        TokenState current = state;
        Instant now = clock.instant();
        try {
            if (current == null) {
                SecretAccessException failed = lastFailure;
                // a rejected login is not retried at the check interval: the same credential gets the same
                // answer; try again after a pause, in case the secret id or token file was replaced
                if (failed != null && failed.reason() == SecretAccessException.Reason.LOGIN_REJECTED
                        && now.isBefore(lastFailureAt.plus(REJECTED_LOGIN_PAUSE))) {
                    return;
                }
                logIn(-1);
                return;
            }
            if (current.expiresAt().isEmpty() || now.isBefore(current.actAt())) {
                return;
            }
            if (current.mustLogInAgain()) {
                if (settings.auth().canLogInAgain()) {
                    LOG.info("Vault token (accessor {}) {}: logging in again", current.accessor(),
                            current.renewable() ? "reached its max TTL" : "is not renewable");
                    logIn(current.generation());
                }
                return;
            }
            renew(current, now);
        } catch (SecretAccessException e) {
            LOG.warn("Vault session maintenance failed: {}", e.getMessage());
        }
    }

    private void renew(TokenState current, Instant now) {
        AuthResponse renewed;
        try {
            renewed = transport.retrying("token renewal", () -> {
                try {
                    return transport.driver(current.token(), 1, 1).auth().renewSelf(current.loginTtl().toSeconds());
                } catch (VaultException e) {
                    throw transport.failure(e, "auth/token/renew-self");
                }
            });
        } catch (SecretAccessException e) {
            if (e.reason() == SecretAccessException.Reason.FORBIDDEN || e.reason() == SecretAccessException.Reason.INVALID) {
                // revoked, expired or otherwise dead: only a new login helps
                LOG.info("Vault token (accessor {}) could not be renewed ({}): logging in again", current.accessor(),
                        e.reason());
                if (settings.auth().canLogInAgain()) {
                    logIn(current.generation());
                    return;
                }
            }
            throw recordFailure(e);
        }
        Duration ttl = Duration.ofSeconds(renewed.getAuthLeaseDuration());
        // Vault caps a renewal at the max TTL and says so only by granting less than asked
        boolean capped = ttl.compareTo(current.loginTtl()) < 0;
        TokenState next = new TokenState(current.token(), current.generation(), current.obtainedAt(),
                current.loginTtl(), renewed.isAuthRenewable(), ttl.isZero() ? Optional.empty() : Optional.of(now.plus(ttl)),
                nextAction(now, ttl), capped || !renewed.isAuthRenewable(), current.accessor(), current.policies());
        synchronized (loginLock) {
            if (state == current) {
                state = next;
            }
        }
        recordSuccess();
        LOG.debug("Vault token (accessor {}) renewed for {}s{}", current.accessor(), ttl.toSeconds(),
                capped ? " (capped by its max TTL: will log in again)" : "");
    }

    /**
     * Whether the token still works: {@code lookup-self} answers 403 for a revoked or expired token. Tells a
     * dead token (log in again) from a policy that does not allow a path (report it).
     */
    boolean stillValid(TokenState s) {
        VaultTransport.Reply reply = transport.send("GET", SELF, s.token(), null, SELF);
        if (reply.ok()) {
            return true;
        }
        if (reply.status() == 403 || reply.status() == 401) {
            return false;
        }
        throw transport.failure(reply.status(), reply.body(), SELF);
    }

    /**
     * Runs a call with the current token, retrying transient failures; a 403 caused by a dead token leads
     * to one fresh login and one more try, while a 403 with a valid token is reported as FORBIDDEN.
     */
    <T> T call(String what, TokenCall<T> call) {
        try {
            T result = transport.retrying(what, () -> {
                TokenState s = token(false);
                try {
                    return call.run(s);
                } catch (SecretAccessException e) {
                    if (e.reason() != SecretAccessException.Reason.FORBIDDEN || stillValid(s)) {
                        throw e;
                    }
                    LOG.info("Vault token (accessor {}) was rejected: logging in again", s.accessor());
                    return call.run(logIn(s.generation(), false));
                }
            });
            recordSuccess();
            return result;
        } catch (SecretAccessException e) {
            if (e.reason().isTransient()) {
                recordFailure(e);
            } else {
                recordSuccess(); // Vault answered: the session works, the request was wrong
            }
            throw e;
        }
    }

    @FunctionalInterface
    interface TokenCall<T> {
        T run(TokenState token);
    }

    private SecretAccessException recordFailure(SecretAccessException e) {
        lastFailure = e;
        lastFailureAt = clock.instant();
        return e;
    }

    private void recordSuccess() {
        lastSuccessAt = clock.instant();
        lastFailure = null;
    }

    Optional<SecretAccessException> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    Health health() {
        TokenState s = state;
        SecretAccessException failure = lastFailure;
        Instant now = clock.instant();
        Map<String, Object> facts = new java.util.LinkedHashMap<>();
        facts.put("auth", settings.auth().toString());
        if (s != null) {
            facts.put("accessor", s.accessor());
            s.expiresAt().ifPresent(e -> facts.put("tokenExpiresAt", e.toString()));
        }
        String reason = failure == null ? "" : failure.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        if (failure != null) {
            facts.put("lastFailure", failure.reason().name());
            facts.put("failingSince", String.valueOf(lastFailureAt));
        }
        if (s == null) {
            // nothing was ever obtained, so nothing can be served
            return Health.down("not logged in to Vault at " + transport.address()
                    + (failure == null ? "" : ": " + reason)).withFacts(facts);
        }
        if (failure != null) {
            if (!failure.reason().isTransient()) {
                return Health.down("Vault " + reason + " at " + transport.address()).withFacts(facts);
            }
            // still ready: cached values and leases report on their own whether they can still be served
            return Health.degraded("Vault " + reason + " at " + transport.address() + " since " + lastFailureAt)
                    .withFacts(facts);
        }
        if (s.expired(now)) {
            return settings.auth().canLogInAgain()
                    ? Health.degraded("Vault token expired; a new login is pending").withFacts(facts)
                    : Health.down("the given Vault token expired and cannot be replaced by a login").withFacts(facts);
        }
        return Health.up("logged in to Vault at " + transport.address()).withFacts(facts);
    }

    /** Stops renewals and revokes the token if microkit obtained it (a given token is not ours to revoke). */
    void close() {
        TokenState s;
        synchronized (loginLock) {
            closed = true;
            s = state;
            state = null;
        }
        if (s != null && settings.auth().ownsToken()) {
            try {
                VaultTransport.Reply reply = transport.send("POST", "auth/token/revoke-self", s.token(), null,
                        "auth/token/revoke-self");
                LOG.info("Vault token (accessor {}) revoked on close: HTTP {}", s.accessor(), reply.status());
            } catch (SecretAccessException e) {
                LOG.warn("Vault token (accessor {}) could not be revoked on close ({}); it expires on its own",
                        s.accessor(), e.reason());
            }
        }
    }
}
