package io.github.microkit.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.github.microkit.auth.TokenRejectedException.Reason;
import io.github.microkit.testing.tokens.TestIssuer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tokens an attacker or a broken client sends, each rejected with the right reason and HTTP answer.
 * Every case differs from a valid token in one respect only, so a case passing for the wrong reason shows.
 */
class BadTokenCorpusTest {

    @RegisterExtension
    static final TestIssuer ISSUER = TestIssuer.create();

    private static final String AUDIENCE = "orders-api";
    private static KeyPair shortRsa;
    private static RSAKey privatePublished;
    private static RSAKey encryptionKey;
    private static JwtVerifier verifier;

    @BeforeAll
    static void publishOddKeysAndStart() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(1024);
        shortRsa = gen.generateKeyPair();
        ISSUER.publishRaw(new RSAKey.Builder((RSAPublicKey) shortRsa.getPublic()).keyID("short-rsa").build().toJSONObject());
        privatePublished = new RSAKeyGenerator(2048).keyID("leaked-private").generate();
        ISSUER.publishRaw(privatePublished.toJSONObject());
        encryptionKey = new RSAKeyGenerator(2048).keyID("enc-key").keyUse(com.nimbusds.jose.jwk.KeyUse.ENCRYPTION).generate();
        ISSUER.publishRaw(encryptionKey.toPublicJWK().toJSONObject());
        verifier = JwtVerifier.forJwksUri(JwtVerifierConfig.defaults(ISSUER.issuer(), AUDIENCE), ISSUER.jwksUri());
    }

    @AfterAll
    static void close() {
        verifier.close();
    }

    static Stream<Arguments> corpus() {
        return Stream.of(
                // unsigned and algorithm confusion
                bad("alg none", () -> Tokens.unsigned("{\"alg\":\"none\"}", claims(), ""), Reason.UNSIGNED),
                bad("alg None", () -> Tokens.unsigned("{\"alg\":\"None\",\"typ\":\"JWT\"}", claims(), ""), Reason.UNSIGNED),
                bad("alg NONE", () -> Tokens.unsigned("{\"alg\":\"NONE\"}", claims(), ""), Reason.UNSIGNED),
                bad("alg nOnE with a signature", () -> Tokens.unsigned("{\"alg\":\"nOnE\"}", claims(), "c2ln"), Reason.UNSIGNED),
                bad("HS256 with the RSA public key (PEM) as secret", () -> hmacWithPublicKey(true), Reason.ALGORITHM_NOT_ALLOWED),
                bad("HS256 with the RSA public key (JWK) as secret", () -> hmacWithPublicKey(false), Reason.ALGORITHM_NOT_ALLOWED),
                bad("RS512, outside the allow-list", () -> signRaw("{\"alg\":\"RS512\",\"kid\":\"" + rsKid() + "\"}", claims(), rsKid()), Reason.ALGORITHM_NOT_ALLOWED),
                bad("ES384, outside the allow-list", () -> Tokens.unsigned("{\"alg\":\"ES384\",\"kid\":\"" + esKid() + "\"}", claims(), "c2ln"), Reason.ALGORITHM_NOT_ALLOWED),
                bad("RS256 key used with PS256", () -> signRaw("{\"alg\":\"PS256\",\"kid\":\"" + rsKid() + "\"}", claims(), rsKid()), Reason.UNKNOWN_KEY),
                bad("EC key named with EdDSA", () -> Tokens.unsigned("{\"alg\":\"EdDSA\",\"kid\":\"" + esKid() + "\"}", claims(), "c2ln"), Reason.UNKNOWN_KEY),
                // signatures
                bad("empty signature", () -> withSignature(valid(JWSAlgorithm.RS256), ""), Reason.BAD_SIGNATURE),
                bad("truncated signature", () -> { String t = valid(JWSAlgorithm.RS256); return t.substring(0, t.length() - 12); }, Reason.BAD_SIGNATURE),
                bad("signature by another key with the same kid", BadTokenCorpusTest::forgedWithSameKid, Reason.BAD_SIGNATURE),
                bad("ES256 with r = 0", () -> es256(BigInteger.ZERO, null), Reason.BAD_SIGNATURE),
                bad("ES256 with s = 0", () -> es256(null, BigInteger.ZERO), Reason.BAD_SIGNATURE),
                bad("ES256 with r = s = 0", () -> es256(BigInteger.ZERO, BigInteger.ZERO), Reason.BAD_SIGNATURE),
                bad("ES256 with r = n (the group order)", () -> es256(P256_ORDER, null), Reason.BAD_SIGNATURE),
                bad("ES256 with s = n + 1", () -> es256(null, P256_ORDER.add(BigInteger.ONE)), Reason.BAD_SIGNATURE),
                bad("ES256 signature in DER instead of R||S", BadTokenCorpusTest::es256Der, Reason.BAD_SIGNATURE),
                // keys
                bad("unknown kid", () -> signRaw("{\"alg\":\"RS256\",\"kid\":\"no-such-key\"}", claims(), rsKid()), Reason.UNKNOWN_KEY),
                bad("kid with a path", () -> signRaw("{\"alg\":\"RS256\",\"kid\":\"../../../../etc/passwd\"}", claims(), rsKid()), Reason.UNKNOWN_KEY),
                bad("kid with injection text", () -> signRaw("{\"alg\":\"RS256\",\"kid\":\"x' OR '1'='1\\u0000\\n${jndi:ldap://x}\"}", claims(), rsKid()), Reason.UNKNOWN_KEY),
                bad("jku header", () -> signRaw(header("\"jku\":\"https://evil.example/jwks\""), claims(), rsKid()), Reason.HEADER_NOT_ALLOWED),
                bad("x5u header", () -> signRaw(header("\"x5u\":\"https://evil.example/cert.pem\""), claims(), rsKid()), Reason.HEADER_NOT_ALLOWED),
                bad("embedded jwk header with the attacker's key", BadTokenCorpusTest::embeddedJwk, Reason.HEADER_NOT_ALLOWED),
                bad("x5c header", () -> signRaw(header("\"x5c\":[\"MIIBszCCAVmgAwIBAgIJAO\"]"), claims(), rsKid()), Reason.HEADER_NOT_ALLOWED),
                bad("key published with a 1024-bit modulus", () -> rs256Manual("{\"alg\":\"RS256\",\"kid\":\"short-rsa\"}", claims().getBytes(StandardCharsets.UTF_8), shortRsa.getPrivate()), Reason.UNKNOWN_KEY),
                bad("key published with its private part", BadTokenCorpusTest::signedByLeakedKey, Reason.UNKNOWN_KEY),
                bad("key published with use=enc", BadTokenCorpusTest::signedByEncryptionKey, Reason.UNKNOWN_KEY),
                // time
                bad("expired", () -> ISSUER.token().audience(AUDIENCE).issuedAt(now().minusSeconds(3600)).expiresIn(java.time.Duration.ofMinutes(10)).sign(), Reason.EXPIRED),
                bad("not yet valid", () -> ISSUER.token().audience(AUDIENCE).notBefore(now().plusSeconds(600)).sign(), Reason.NOT_YET_VALID),
                bad("issued in the future", () -> ISSUER.token().audience(AUDIENCE).claim("iat", now().plusSeconds(600).getEpochSecond()).sign(), Reason.ISSUED_IN_FUTURE),
                bad("no exp", () -> ISSUER.token().audience(AUDIENCE).withoutExpiry().sign(), Reason.MISSING_EXPIRY),
                bad("non-numeric exp", () -> ISSUER.token().audience(AUDIENCE).claim("exp", "tomorrow").sign(), Reason.MALFORMED_TOKEN),
                // issuer and audience
                bad("foreign issuer", () -> ISSUER.token().audience(AUDIENCE).issuer("https://evil.example").sign(), Reason.WRONG_ISSUER),
                bad("issuer prefix", () -> ISSUER.token().audience(AUDIENCE).issuer(ISSUER.issuer().substring(0, ISSUER.issuer().length() - 1)).sign(), Reason.WRONG_ISSUER),
                bad("issuer with a suffix", () -> ISSUER.token().audience(AUDIENCE).issuer(ISSUER.issuer() + ".evil.example").sign(), Reason.WRONG_ISSUER),
                bad("issuer with a trailing slash", () -> ISSUER.token().audience(AUDIENCE).issuer(ISSUER.issuer() + "/").sign(), Reason.WRONG_ISSUER),
                bad("issuer in another letter case", () -> ISSUER.token().audience(AUDIENCE).issuer(ISSUER.issuer().toUpperCase(java.util.Locale.ROOT)).sign(), Reason.WRONG_ISSUER),
                bad("no aud", () -> ISSUER.token().sign(), Reason.WRONG_AUDIENCE),
                bad("foreign aud", () -> ISSUER.token().audience("billing-api").sign(), Reason.WRONG_AUDIENCE),
                bad("aud that only starts like ours", () -> ISSUER.token().audience(AUDIENCE + "-admin").sign(), Reason.WRONG_AUDIENCE),
                // header policy
                bad("typ id_token style (dpop+jwt)", () -> ISSUER.token().audience(AUDIENCE).type("dpop+jwt").sign(), Reason.TYPE_NOT_ALLOWED),
                bad("JWE (five segments)", () -> Tokens.b64("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}") + ".ZW5j.aXY.Y2lwaGVy.dGFn", Reason.ENCRYPTED),
                bad("enc in a three-segment header", () -> rs256Manual("{\"alg\":\"RS256\",\"enc\":\"A256GCM\",\"kid\":\"" + rsKid() + "\"}", claims().getBytes(StandardCharsets.UTF_8), rsPrivate()), Reason.ENCRYPTED),
                bad("unknown crit", () -> signRaw(header("\"crit\":[\"urn:x-secret\"],\"urn:x-secret\":true"), claims(), rsKid()), Reason.UNSUPPORTED_CRITICAL_HEADER),
                bad("b64 false", () -> signRaw(header("\"b64\":false,\"crit\":[\"b64\"]"), claims(), rsKid()), Reason.UNSUPPORTED_CRITICAL_HEADER),
                // format
                bad("empty", () -> "", Reason.MALFORMED_TOKEN),
                bad("two segments", () -> { String t = valid(JWSAlgorithm.RS256); return t.substring(0, t.lastIndexOf('.')); }, Reason.MALFORMED_TOKEN),
                bad("four segments", () -> valid(JWSAlgorithm.RS256) + ".AAAA", Reason.MALFORMED_TOKEN),
                bad("base64 padding", () -> { String t = valid(JWSAlgorithm.RS256); return t.replaceFirst("\\.", "==."); }, Reason.MALFORMED_TOKEN),
                bad("standard base64 characters", () -> valid(JWSAlgorithm.RS256).replace('-', '+').replace('_', '/') + "+/", Reason.MALFORMED_TOKEN),
                bad("whitespace inside", () -> { String t = valid(JWSAlgorithm.RS256); return t.substring(0, 10) + " " + t.substring(10); }, Reason.MALFORMED_TOKEN),
                bad("trailing newline", () -> valid(JWSAlgorithm.RS256) + "\n", Reason.MALFORMED_TOKEN),
                bad("duplicate JSON key in the payload", () -> signRaw(header(null), "{\"iss\":\"https://evil.example\",\"iss\":\"" + ISSUER.issuer() + "\",\"aud\":\"" + AUDIENCE + "\",\"exp\":" + Tokens.inMinutes(5) + "}", rsKid()), Reason.MALFORMED_TOKEN),
                bad("duplicate alg in the header", () -> rs256Manual("{\"alg\":\"none\",\"alg\":\"RS256\",\"kid\":\"" + rsKid() + "\"}", claims().getBytes(StandardCharsets.UTF_8), rsPrivate()), Reason.MALFORMED_TOKEN),
                bad("invalid UTF-8 in the payload", BadTokenCorpusTest::invalidUtf8, Reason.MALFORMED_TOKEN),
                bad("payload is a JSON array", () -> signRaw(header(null), "[1,2,3]", rsKid()), Reason.MALFORMED_TOKEN),
                bad("alg is a number", () -> Tokens.unsigned("{\"alg\":256}", claims(), "c2ln"), Reason.MALFORMED_TOKEN),
                bad("aud is a number", () -> signRaw(header(null), "{\"iss\":\"" + ISSUER.issuer() + "\",\"aud\":42,\"exp\":" + Tokens.inMinutes(5) + "}", rsKid()), Reason.MALFORMED_TOKEN),
                bad("oversized token", () -> ISSUER.token().audience(AUDIENCE).claim("pad", "x".repeat(20_000)).sign(), Reason.TOKEN_TOO_LARGE),
                bad("oversized header", () -> signRaw(header("\"pad\":\"" + "x".repeat(2_000) + "\""), claims(), rsKid()), Reason.TOKEN_TOO_LARGE),
                bad("deeply nested payload", () -> signRaw(header(null), "{\"iss\":\"" + ISSUER.issuer() + "\",\"x\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}", rsKid()), Reason.MALFORMED_TOKEN),
                bad("deeply nested header", () -> signRaw(header("\"x\":" + "[".repeat(100) + "]".repeat(100)), claims(), rsKid()), Reason.MALFORMED_TOKEN));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejectsWithTheRightReasonAndStatus(String name, Supplier<String> token, Reason reason) {
        String t = token.get();
        assertThatThrownBy(() -> verifier.verify(t))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
                    assertThat(e.reason()).as(name).isEqualTo(reason);
                    AuthErrorResponse answer = AuthErrorResponse.of(e, "orders");
                    assertThat(answer.status()).isEqualTo(401).isEqualTo(e.status());
                    assertThat(answer.wwwAuthenticate()).get().asString()
                            .startsWith("Bearer realm=\"orders\", error=\"invalid_token\"");
                    assertThat(answer.body()).isEqualTo("{\"error\":\"invalid_token\",\"message\":\"The access token is not valid.\"}");
                    if (t.length() > 20) {
                        assertThat(e.getMessage()).doesNotContain(t.substring(t.length() - 16));
                    }
                });
    }

    @Test
    void corpusHasAtLeast35Cases() {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(35);
    }

    @Test
    void theOddKeysDoNotSpoilTheGoodOnes() {
        for (JWSAlgorithm alg : TestIssuer.ALGORITHMS) {
            assertThat(verifier.verify(valid(alg)).issuer()).isEqualTo(ISSUER.issuer());
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    private static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private static Arguments bad(String name, Supplier<String> token, Reason reason) {
        return Arguments.of(name, token, reason);
    }

    private static java.time.Instant now() {
        return java.time.Instant.now();
    }

    private static String rsKid() {
        return ISSUER.currentKeyId(JWSAlgorithm.RS256);
    }

    private static PrivateKey rsPrivate() {
        try {
            return ISSUER.keyPair(rsKid()).toRSAKey().toPrivateKey();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String esKid() {
        return ISSUER.currentKeyId(JWSAlgorithm.ES256);
    }

    private static String valid(JWSAlgorithm alg) {
        return ISSUER.token().algorithm(alg).audience(AUDIENCE).sign();
    }

    private static String claims() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("iss", ISSUER.issuer());
        c.put("sub", "attacker");
        c.put("aud", AUDIENCE);
        c.put("exp", Tokens.inMinutes(5));
        return Tokens.json(c);
    }

    private static String header(String extra) {
        return "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + rsKid() + "\"" + (extra == null ? "" : "," + extra) + "}";
    }

    private static String signRaw(String header, String payload, String kid) {
        return ISSUER.signRaw(header, payload, kid);
    }

    private static String withSignature(String token, String signature) {
        return token.substring(0, token.lastIndexOf('.') + 1) + signature;
    }

    private static String hmacWithPublicKey(boolean pem) {
        try {
            RSAKey publicKey = ((RSAKey) ISSUER.keyPair(rsKid())).toPublicJWK();
            byte[] secret = (pem ? JwtVerifierTest.pem(publicKey) : publicKey.toJSONString()).getBytes(StandardCharsets.US_ASCII);
            return Tokens.hmacRaw(secret, "HS256", "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + rsKid() + "\"}", claims());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String forgedWithSameKid() {
        try {
            RSAKey attacker = new RSAKeyGenerator(2048).generate();
            return rs256Manual(header(null), claims().getBytes(StandardCharsets.UTF_8), attacker.toPrivateKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String es256(BigInteger r, BigInteger s) {
        String token = valid(JWSAlgorithm.ES256);
        byte[] sig = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
        byte[] out = sig.clone();
        if (r != null) {
            System.arraycopy(fixed32(r), 0, out, 0, 32);
        }
        if (s != null) {
            System.arraycopy(fixed32(s), 0, out, 32, 32);
        }
        return withSignature(token, Tokens.b64(out));
    }

    private static byte[] fixed32(BigInteger value) {
        byte[] raw = value.toByteArray();
        byte[] out = new byte[32];
        int len = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - len, out, 32 - len, len);
        if (value.bitLength() > 256) {
            Arrays.fill(out, (byte) 0xFF); // n + 1 does not fit 32 bytes: the largest 32-byte value is out of range too
        }
        return out;
    }

    private static String es256Der() {
        try {
            String token = valid(JWSAlgorithm.ES256);
            byte[] sig = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
            return withSignature(token, Tokens.b64(ECDSA.transcodeSignatureToDER(sig)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String embeddedJwk() {
        try {
            RSAKey attacker = new RSAKeyGenerator(2048).keyID(rsKid()).generate();
            String header = "{\"alg\":\"RS256\",\"kid\":\"" + rsKid() + "\",\"jwk\":" + attacker.toPublicJWK().toJSONString() + "}";
            return rs256Manual(header, claims().getBytes(StandardCharsets.UTF_8), attacker.toPrivateKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String signedByLeakedKey() {
        try {
            return rs256Manual("{\"alg\":\"RS256\",\"kid\":\"leaked-private\"}", claims().getBytes(StandardCharsets.UTF_8), privatePublished.toPrivateKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String signedByEncryptionKey() {
        try {
            return rs256Manual("{\"alg\":\"RS256\",\"kid\":\"enc-key\"}", claims().getBytes(StandardCharsets.UTF_8), encryptionKey.toPrivateKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String invalidUtf8() {
        byte[] prefix = ("{\"iss\":\"" + ISSUER.issuer() + "\",\"aud\":\"" + AUDIENCE + "\",\"exp\":" + Tokens.inMinutes(5) + ",\"sub\":\"").getBytes(StandardCharsets.UTF_8);
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF};
        byte[] suffix = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[prefix.length + bad.length + suffix.length];
        System.arraycopy(prefix, 0, payload, 0, prefix.length);
        System.arraycopy(bad, 0, payload, prefix.length, bad.length);
        System.arraycopy(suffix, 0, payload, prefix.length + bad.length, suffix.length);
        try {
            return rs256Manual(header(null), payload, ISSUER.keyPair(rsKid()).toRSAKey().toPrivateKey());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** RS256 with the JDK alone, for keys and bytes nimbus would refuse to sign. */
    private static String rs256Manual(String headerJson, byte[] payload, PrivateKey key) {
        try {
            String input = Tokens.b64(headerJson) + "." + Tokens.b64(payload);
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + Tokens.b64(signature.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
