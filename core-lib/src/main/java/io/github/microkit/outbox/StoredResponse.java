package io.github.microkit.outbox;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The response to the first request with an idempotency key, kept to answer its retries.
 *
 * @param status      the HTTP status, 100 to 599
 * @param contentType the body's media type, such as {@code application/json}
 * @param body        the body (copied in and out)
 */
public record StoredResponse(int status, String contentType, byte[] body) {

    public StoredResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status (100 to 599), was " + status);
        }
        Objects.requireNonNull(contentType, "contentType");
        body = Objects.requireNonNull(body, "body").clone();
    }

    /** A JSON response. */
    public static StoredResponse json(int status, String json) {
        return new StoredResponse(status, "application/json", Objects.requireNonNull(json, "json")
                .getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredResponse && ((StoredResponse) o).status == status
                && ((StoredResponse) o).contentType.equals(contentType) && Arrays.equals(((StoredResponse) o).body, body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, contentType, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        // the body may hold personal data
        return "StoredResponse[" + status + ", " + contentType + ", " + body.length + " bytes]";
    }
}
