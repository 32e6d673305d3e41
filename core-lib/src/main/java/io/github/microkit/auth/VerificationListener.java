package io.github.microkit.auth;

/**
 * Told about each verification, for metrics. Called on the request thread: implementations must be fast
 * and must not throw. {@link AuthMetrics#micrometer} gives one backed by Micrometer.
 */
public interface VerificationListener {

    /** Does nothing; the verifier then does not even read the clock for it. */
    VerificationListener NONE = new VerificationListener() {
        @Override
        public void accepted(String issuer, boolean fromCache, long nanos) {
        }

        @Override
        public void rejected(TokenRejectedException.Reason reason, long nanos) {
        }
    };

    /** A token was accepted after {@code nanos}; {@code fromCache} when the signature check was skipped. */
    void accepted(String issuer, boolean fromCache, long nanos);

    /** A token was rejected after {@code nanos}. */
    void rejected(TokenRejectedException.Reason reason, long nanos);
}
