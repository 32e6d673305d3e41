package io.github.microkit.auth;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.github.microkit.auth.TokenRejectedException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.Map;

/**
 * A compact JWS split and decoded, nothing verified yet. Every check here runs before any JSON parser
 * sees a byte: length, segment count, the base64url alphabet (no padding, no whitespace), strict UTF-8 and
 * JSON nesting depth; duplicate JSON member names are refused by the parser nimbus ships (Gson).
 */
final class ParsedToken {

    final String signingInput;
    final Base64URL headerPart;
    final Map<String, Object> header;
    final Map<String, Object> payload;
    final Base64URL signature;

    private ParsedToken(String signingInput, Base64URL headerPart, Map<String, Object> header,
                        Map<String, Object> payload, Base64URL signature) {
        this.signingInput = signingInput;
        this.headerPart = headerPart;
        this.header = header;
        this.payload = payload;
        this.signature = signature;
    }

    static ParsedToken parse(String token, int maxTokenLength, int maxHeaderLength, int maxJsonDepth) {
        if (token.length() > maxTokenLength) {
            throw TokenRejectedException.of(Reason.TOKEN_TOO_LARGE, "token has " + token.length() + " characters, limit " + maxTokenLength);
        }
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot2 < 0) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "not three dot-separated segments");
        }
        int dot3 = token.indexOf('.', dot2 + 1);
        if (dot3 >= 0) {
            int dot4 = token.indexOf('.', dot3 + 1);
            if (dot4 >= 0 && token.indexOf('.', dot4 + 1) < 0) {
                throw TokenRejectedException.of(Reason.ENCRYPTED, "five segments: a JWE, not a signed token");
            }
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "not three dot-separated segments");
        }
        if (dot1 > maxHeaderLength) {
            throw TokenRejectedException.of(Reason.TOKEN_TOO_LARGE, "header has " + dot1 + " characters, limit " + maxHeaderLength);
        }
        if (dot1 == 0 || dot2 == dot1 + 1) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "empty header or payload segment");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, "character outside the base64url alphabet at " + i);
            }
        }
        String headerB64 = token.substring(0, dot1);
        String payloadB64 = token.substring(dot1 + 1, dot2);
        Map<String, Object> header = json(headerB64, "header", maxJsonDepth);
        Map<String, Object> payload = json(payloadB64, "payload", maxJsonDepth);
        return new ParsedToken(token.substring(0, dot2), new Base64URL(headerB64), header, payload,
                new Base64URL(token.substring(dot2 + 1)));
    }

    /** The unverified {@code iss}, for routing among issuers; empty string when absent or not a string. */
    String unverifiedIssuer() {
        return payload.get("iss") instanceof String s ? s : "";
    }

    private static Map<String, Object> json(String segment, String what, int maxDepth) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(segment);
        } catch (IllegalArgumentException e) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, what + " is not base64url");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, what + " is not valid UTF-8");
        }
        checkDepth(text, what, maxDepth);
        try {
            return JSONObjectUtils.parse(text);
        } catch (ParseException | RuntimeException e) {
            throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, what + " is not a JSON object without duplicate members");
        }
    }

    /** Refuses deep nesting before parsing, so a crafted token cannot exhaust the parser's stack. */
    private static void checkDepth(String json, String what, int maxDepth) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                if (++depth > maxDepth) {
                    throw TokenRejectedException.of(Reason.MALFORMED_TOKEN, what + " nests deeper than " + maxDepth);
                }
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
    }
}
