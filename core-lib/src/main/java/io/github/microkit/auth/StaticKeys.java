package io.github.microkit.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthCheck;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/** Keys given at start: a JWK, a JWKS, a PEM public key, or an HMAC secret. They never change. */
final class StaticKeys implements KeyResolver {

    private final JWKSet keys;
    private final String description;

    private StaticKeys(JWKSet keys, String description) {
        this.keys = keys;
        this.description = description;
    }

    /** Parses a JWK or JWKS (JSON) or PEM-encoded public keys; refuses private keys and secrets. */
    static StaticKeys parse(String keyText) {
        String text = keyText.strip();
        JWKSet set;
        try {
            if (text.startsWith("-----BEGIN")) {
                set = new JWKSet(JWK.parseFromPEMEncodedObjects(text));
            } else {
                Map<String, Object> json = JSONObjectUtils.parse(text);
                set = json.containsKey("keys") ? JWKSet.parse(json) : new JWKSet(JWK.parse(json));
            }
        } catch (ParseException | JOSEException | RuntimeException e) {
            // The message of a parser may quote the input; the input may be a private key.
            throw new IllegalArgumentException("keys are neither a JWK, a JWKS nor a PEM public key (" + e.getClass().getSimpleName() + ")");
        }
        if (set.getKeys().isEmpty()) {
            throw new IllegalArgumentException("no keys given");
        }
        for (JWK key : set.getKeys()) {
            if (key.isPrivate() || key instanceof OctetSequenceKey) {
                throw new IllegalArgumentException("static keys must be public keys; a private key or secret was given"
                        + " (use JwtVerifier.forHmacSecret for HMAC)");
            }
            if (!KeyPolicy.usableKey(key)) {
                throw new IllegalArgumentException("key " + key.getKeyID() + " is not usable for signatures"
                        + " (use=enc, or an RSA key shorter than 2048 bits)");
            }
        }
        return new StaticKeys(set, "static keys (" + set.getKeys().size() + ")");
    }

    static StaticKeys hmac(byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("an HMAC secret must have at least 256 bits; this one has " + secret.length * 8);
        }
        return new StaticKeys(new JWKSet(new OctetSequenceKey.Builder(secret).build()), "HMAC secret");
    }

    @Override
    public List<JWK> keysFor(JWSHeader header) {
        JWKMatcher matcher = JWKMatcher.forJWSHeader(header);
        if (matcher == null) {
            return List.of();
        }
        List<JWK> selected = new JWKSelector(matcher).select(keys);
        if (selected.isEmpty() && header.getKeyID() != null) {
            // A key configured without an id (a PEM key) stands for whatever id its issuer gives it.
            JWKMatcher anyId = JWKMatcher.forJWSHeader(new JWSHeader.Builder(header).keyID(null).build());
            selected = new JWKSelector(anyId).select(keys).stream().filter(k -> k.getKeyID() == null).toList();
        }
        return selected;
    }

    @Override
    public void warmUp() {
    }

    @Override
    public HealthCheck health() {
        return () -> Health.up(description + " configured");
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
    }
}
