package io.github.microkit.auth;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import io.github.microkit.health.HealthCheck;
import java.util.List;

/** Where a verifier's keys come from: a remote key set, static keys or an HMAC secret. */
interface KeyResolver extends AutoCloseable {

    /**
     * The trusted keys that match the header's {@code kid}, algorithm and key type (may be empty).
     *
     * @throws TokenRejectedException {@code KEYS_UNAVAILABLE} when no key could be obtained
     */
    List<JWK> keysFor(JWSHeader header);

    /** Loads keys now if that applies; never throws. A remote key set that fails retries in the background. */
    void warmUp();

    HealthCheck health();

    /** For messages: where the keys come from (a URL or "static keys"), never key material. */
    String describe();

    @Override
    void close();
}
