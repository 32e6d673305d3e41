package io.github.microkit.samples.common;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer other than success, thrown from a handler and written by one exception handler as
 * {@code {"error": "...", "message": "..."}} (DESIGN.md, "HTTP"). The message is for the client: it never
 * holds a token, a secret or a stack trace.
 */
public final class ApiError extends RuntimeException {

    private final int status;
    private final String error;
    private final Map<String, String> headers;

    private ApiError(int status, String error, String message, Map<String, String> headers) {
        super(message, null, false, false); // no stack trace: these are answers, not bugs
        this.status = status;
        this.error = error;
        this.headers = Map.copyOf(headers);
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "invalid_request", message, Map.of());
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message, Map.of());
    }

    public static ApiError payloadTooLarge(long limit) {
        return new ApiError(413, "payload_too_large", "The body must be at most " + limit + " bytes.", Map.of());
    }

    public static ApiError unsupportedMediaType() {
        return new ApiError(415, "unsupported_media_type", "Send the order as Content-Type: application/json.",
                Map.of());
    }

    public static ApiError idempotencyKeyReused() {
        return new ApiError(422, "idempotency_key_reused",
                "This Idempotency-Key was used with a different body; use a new key for a new order.", Map.of());
    }

    /** 409: the first request with this Idempotency-Key is still running; retry after {@code retryAfter}. */
    public static ApiError idempotencyKeyInProgress(Duration retryAfter) {
        return new ApiError(409, "idempotency_key_in_progress", "A request with this Idempotency-Key is still being"
                + " processed; retry shortly with the same key and body.",
                Map.of("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds()))));
    }

    public static ApiError unavailable(String message, Duration retryAfter) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
        return new ApiError(503, "unavailable", message, headers);
    }

    /** An answer built elsewhere (the {@code auth} package's RFC 6750 answers). */
    public static ApiError of(int status, String error, String message, Map<String, String> headers) {
        return new ApiError(status, error, message, headers);
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
