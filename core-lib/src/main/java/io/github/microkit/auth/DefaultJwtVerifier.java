package io.github.microkit.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.health.HealthCheck;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * One issuer's verifier. The order of checks: cache, then everything that needs no key (size, format,
 * header policy, issuer), then the key, the signature, and last the claims. The key is looked up only for
 * tokens that name this issuer, so foreign tokens never cause a key-set download.
 *
 * <p>Signatures are checked with nimbus's verifiers directly rather than through {@code DefaultJWTProcessor}:
 * with a key selector it rejects valid Ed25519 tokens (nimbus issue 359), and the direct path lets every
 * failure carry its own reason.
 */
final class DefaultJwtVerifier implements JwtVerifier {

    private static final Set<String> KEY_URL_HEADERS = Set.of("jku", "x5u", "jwk", "x5c");

    private final JwtVerifierConfig config;
    private final KeyResolver keys;
    private final Set<String> allowedAlgorithms;
    private final TokenCache cache;
    private final VerificationListener listener;
    private final Map<String, KeyVerifier> verifiers = new ConcurrentHashMap<>();

    DefaultJwtVerifier(JwtVerifierConfig config, KeyResolver keys, Set<String> allowedAlgorithms) {
        this.config = config;
        this.keys = keys;
        this.allowedAlgorithms = Set.copyOf(allowedAlgorithms);
        this.cache = config.tokenCacheEnabled() ? new TokenCache(config.tokenCacheMaxEntries(), config.tokenCacheMaxAge()) : null;
        this.listener = config.listener();
    }

    @Override
    public VerifiedToken verify(String token) {
        Objects.requireNonNull(token, "token");
        boolean timed = listener != VerificationListener.NONE;
        long start = timed ? System.nanoTime() : 0;
        try {
            if (token.length() > config.maxTokenLength()) {
                throw TokenRejectedException.of(Reason.TOKEN_TOO_LARGE, "token has " + token.length() + " characters");
            }
            long now = config.clock().millis();
            if (cache != null) {
                VerifiedToken hit = cache.get(token, now);
                if (hit != null) {
                    checkTimes(hit.expiresAt(), hit.notBefore(), hit.issuedAt(), now);
                    if (timed) {
                        listener.accepted(hit.issuer(), true, System.nanoTime() - start);
                    }
                    return hit;
                }
            }
            ParsedToken parsed = ParsedToken.parse(token, config.maxTokenLength(), config.maxHeaderLength(), config.maxJsonDepth());
            VerifiedToken verified = verifyParsed(parsed, now);
            if (cache != null) {
                cache.put(token, verified, now);
            }
            if (timed) {
                listener.accepted(verified.issuer(), false, System.nanoTime() - start);
            }
            return verified;
        } catch (TokenRejectedException e) {
            if (timed) {
                listener.rejected(e.reason(), System.nanoTime() - start);
            }
            throw e;
        }
    }

    private VerifiedToken verifyParsed(ParsedToken token, long now) {
        JWSHeader header = checkHeader(token);
        if (!config.issuer().equals(token.payload.get("iss"))) {
            throw TokenRejectedException.of(Reason.WRONG_ISSUER, "iss is not " + config.issuer());
        }
        checkSignature(header, token);
        return checkClaims(token.payload, now);
    }

    private JWSHeader checkHeader(ParsedToken token) {
        Map<String, Object> h = token.header;
        if (!(h.get("alg") instanceof String alg)) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "header has no alg string");
        }
        if (alg.equalsIgnoreCase("none")) {
            throw TokenRejectedException.of(Reason.UNSIGNED, "alg none");
        }
        if (h.containsKey("enc")) {
            throw TokenRejectedException.of(Reason.ENCRYPTED, "header has enc: a JWE");
        }
        for (String name : KEY_URL_HEADERS) {
            if (h.containsKey(name)) {
                // Keys named or carried by the token itself would let its author pick the key: refused outright.
                throw TokenRejectedException.of(Reason.HEADER_NOT_ALLOWED, "header has " + name);
            }
        }
        if (h.containsKey("crit") || h.containsKey("b64")) {
            throw TokenRejectedException.of(Reason.UNSUPPORTED_CRITICAL_HEADER, "header has crit or b64; none is supported");
        }
        if (!allowedAlgorithms.contains(alg)) {
            throw TokenRejectedException.of(Reason.ALGORITHM_NOT_ALLOWED, "alg " + printable(alg) + " not in " + allowedAlgorithms);
        }
        Object typ = h.get("typ");
        if (typ == null) {
            if (!config.typeMayBeAbsent()) {
                throw TokenRejectedException.of(Reason.TYPE_NOT_ALLOWED, "typ absent");
            }
        } else if (!(typ instanceof String t) || !config.allowedTypes().contains(JwtVerifierConfig.normaliseType(t))) {
            throw TokenRejectedException.of(Reason.TYPE_NOT_ALLOWED, "typ not in " + config.allowedTypes());
        }
        try {
            return JWSHeader.parse(h, token.headerPart);
        } catch (ParseException e) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "header parameters have wrong types");
        }
    }

    private void checkSignature(JWSHeader header, ParsedToken token) {
        JWSAlgorithm alg = header.getAlgorithm();
        List<JWK> candidates = keys.keysFor(header);
        byte[] signingInput = token.signingInput.getBytes(StandardCharsets.US_ASCII);
        boolean anyKey = false;
        for (JWK key : candidates) {
            if (!KeyPolicy.usableKey(key) || !KeyPolicy.keyFitsAlgorithm(key, alg)) {
                continue;
            }
            anyKey = true;
            try {
                if (verifier(key, alg).verify(header, signingInput, token.signature)) {
                    return;
                }
            } catch (JOSEException | RuntimeException e) {
                // a malformed signature (wrong length, r or s out of range) is just a bad signature
            }
        }
        if (!anyKey) {
            throw TokenRejectedException.of(Reason.UNKNOWN_KEY, "no trusted " + alg + " key for kid from " + keys.describe());
        }
        throw TokenRejectedException.of(Reason.BAD_SIGNATURE, "signature does not verify");
    }

    /** Verifiers are built once per key instance: building one checks the key, which costs as much as a hash. */
    private JWSVerifier verifier(JWK key, JWSAlgorithm alg) throws JOSEException {
        String id = key.getKeyID() == null ? "" : key.getKeyID();
        KeyVerifier cached = verifiers.get(id);
        if (cached != null && cached.key == key) {
            return cached.verifier;
        }
        JWSVerifier verifier;
        if (key instanceof RSAKey rsa) {
            verifier = new RSASSAVerifier(rsa);
        } else if (key instanceof ECKey ec) {
            verifier = new ECDSAVerifier(ec);
        } else if (key instanceof OctetKeyPair okp) {
            verifier = new Ed25519Verifier(okp);
        } else if (key instanceof OctetSequenceKey oct) {
            verifier = new MACVerifier(oct);
        } else {
            throw new JOSEException("unsupported key type " + key.getKeyType() + " for " + alg);
        }
        if (verifiers.size() > 256) {
            verifiers.clear(); // key sets are small; this only guards against a key set that keeps changing
        }
        verifiers.put(id, new KeyVerifier(key, verifier));
        return verifier;
    }

    private VerifiedToken checkClaims(Map<String, Object> payload, long now) {
        // nimbus quietly drops registered claims of the wrong type (an "aud": 42 reads as no audience).
        if (!(payload.get("iss") instanceof String)
                || payload.containsKey("sub") && !(payload.get("sub") instanceof String)
                || payload.containsKey("aud") && !isStringOrStrings(payload.get("aud"))) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "iss, sub or aud has the wrong type");
        }
        JWTClaimsSet claims;
        try {
            claims = JWTClaimsSet.parse(payload);
        } catch (ParseException e) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "claims have wrong types");
        }
        if (claims.getExpirationTime() == null) {
            throw TokenRejectedException.of(Reason.MISSING_EXPIRY, "no exp");
        }
        Instant exp = claims.getExpirationTime().toInstant();
        Optional<Instant> nbf = Optional.ofNullable(claims.getNotBeforeTime()).map(java.util.Date::toInstant);
        Optional<Instant> iat = Optional.ofNullable(claims.getIssueTime()).map(java.util.Date::toInstant);
        checkTimes(exp, nbf, iat, now);
        List<String> audiences = claims.getAudience();
        boolean audienceOk = false;
        for (String aud : audiences) {
            if (config.audiences().contains(aud)) {
                audienceOk = true;
                break;
            }
        }
        if (!audienceOk) {
            throw TokenRejectedException.of(Reason.WRONG_AUDIENCE,
                    audiences.isEmpty() ? "no aud" : "aud names none of " + config.audiences());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) immutable(payload);
        return new VerifiedToken(claims.getIssuer(), Optional.ofNullable(claims.getSubject()), audiences, exp, nbf, iat,
                VerifiedToken.scopesOf(payload), VerifiedToken.rolesOf(payload, config.roleClaimPaths()), all);
    }

    private static boolean isStringOrStrings(Object value) {
        return value instanceof String || value instanceof List<?> l && l.stream().allMatch(String.class::isInstance);
    }

    private void checkTimes(Instant exp, Optional<Instant> nbf, Optional<Instant> iat, long now) {
        long skew = config.clockSkew().toMillis();
        if (now - skew >= exp.toEpochMilli()) {
            throw TokenRejectedException.of(Reason.EXPIRED, "expired at " + exp);
        }
        if (nbf.isPresent() && now + skew < nbf.get().toEpochMilli()) {
            throw TokenRejectedException.of(Reason.NOT_YET_VALID, "not valid before " + nbf.get());
        }
        if (iat.isPresent() && now + skew < iat.get().toEpochMilli()) {
            throw TokenRejectedException.of(Reason.ISSUED_IN_FUTURE, "issued at " + iat.get());
        }
    }

    private static Object immutable(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(k, immutable(v)));
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> l) {
            List<Object> copy = new ArrayList<>(l.size());
            l.forEach(v -> copy.add(immutable(v)));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }

    /** For messages: an attacker-chosen value, cut short and reduced to printable ASCII. */
    private static String printable(String value) {
        String cut = value.length() > 20 ? value.substring(0, 20) + "..." : value;
        return cut.chars().map(c -> c >= 0x20 && c < 0x7f ? c : '?')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    @Override
    public Set<String> issuers() {
        return Set.of(config.issuer());
    }

    @Override
    public HealthCheck keyHealth() {
        return keys.health();
    }

    @Override
    public void warmUp() {
        keys.warmUp();
    }

    @Override
    public void close() {
        keys.close();
    }

    JwtVerifierConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return "JwtVerifier{issuer=" + config.issuer() + ", keys=" + keys.describe() + ", algorithms="
                + allowedAlgorithms.stream().sorted().collect(Collectors.joining(",")) + "}";
    }

    private record KeyVerifier(JWK key, JWSVerifier verifier) {
    }
}
