package io.github.microkit.auth;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Hand-made tokens for tests: what an attacker can build without any trusted key. */
final class Tokens {

    private Tokens() {
    }

    static long inMinutes(long minutes) {
        return Instant.now().plusSeconds(minutes * 60).getEpochSecond();
    }

    static String b64(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static String b64(byte[] bytes) {
        return Base64URL.encode(bytes).toString();
    }

    static String json(Map<String, ?> map) {
        return JSONObjectUtils.toJSONString(new java.util.LinkedHashMap<>(map));
    }

    static String unsigned(String headerJson, String payloadJson, String signature) {
        return b64(headerJson) + "." + b64(payloadJson) + "." + signature;
    }

    /** HMAC over header.payload with {@code secret}, as an attacker does with a public key as secret. */
    static String hmac(byte[] secret, String alg, Map<String, ?> header, Map<String, ?> claims) throws Exception {
        return hmacRaw(secret, alg, json(header), json(claims));
    }

    static String hmacRaw(byte[] secret, String alg, String headerJson, String payloadJson) throws Exception {
        String input = b64(headerJson) + "." + b64(payloadJson);
        String javaAlg = switch (alg) {
            case "HS256" -> "HmacSHA256";
            case "HS384" -> "HmacSHA384";
            default -> "HmacSHA512";
        };
        Mac mac = Mac.getInstance(javaAlg);
        mac.init(new SecretKeySpec(secret, javaAlg));
        return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    }
}
