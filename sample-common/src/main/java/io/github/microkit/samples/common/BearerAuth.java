package io.github.microkit.samples.common;

import io.github.microkit.auth.AuthErrorResponse;
import io.github.microkit.auth.JwtVerifier;
import io.github.microkit.auth.JwtVerifierConfig;
import io.github.microkit.auth.TokenRejectedException;
import io.github.microkit.auth.VerifiedToken;
import io.github.microkit.trace.TraceContext;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.Optional;

/**
 * The JWT check, as a Javalin before-handler: visible in the routes, no magic. It asks {@code auth} to verify
 * the {@code Authorization} header and the scope; a rejection becomes the RFC 6750 answer that
 * {@link AuthErrorResponse} describes (401/400/403, or 503 when no signing key can be had).
 */
public final class BearerAuth {

    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);
    /** Where the verified token waits for the handler: {@code ctx.attribute(BearerAuth.TOKEN)}. */
    public static final String TOKEN = "verified-token";
    private static final String REALM = "orders";

    private final JwtVerifier verifier;

    public BearerAuth(JwtVerifier verifier) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    /**
     * The verifier of the service's tokens ({@code JWT_ISSUER}, {@code JWT_AUDIENCE}), with keys from
     * {@code JWT_JWKS_URI}, or else from the issuer's discovery document, refreshed in the background. Fetches
     * them first, so it takes a moment: start it with {@link Startup#inBackground}.
     */
    public static JwtVerifier verifierFor(ServiceSettings settings) {
        Objects.requireNonNull(settings, "settings");
        JwtVerifierConfig jwtConfig = JwtVerifierConfig.defaults(settings.jwtIssuer(), settings.jwtAudience());
        return settings.jwtJwksUri()
                .map(uri -> JwtVerifier.forJwksUri(jwtConfig, uri))
                .orElseGet(() -> JwtVerifier.forIssuer(jwtConfig));
    }

    /** A before-handler that lets the request through only with a valid token granting {@code scope}. */
    public Handler requireScope(String scope) {
        return ctx -> {
            try {
                VerifiedToken token = verifier.verifyAuthorizationHeader(Optional.ofNullable(ctx.header("Authorization")))
                        .requireScope(scope);
                ctx.attribute(TOKEN, token);
            } catch (TokenRejectedException e) {
                // the precise reason is for our log (never the token); the client gets the generic answer
                String traceId = TraceContext.parseOrNew(ctx.header("traceparent"), null).traceId();
                LOG.info("{} {} rejected: {} ({}) trace={}", ctx.method(), ctx.path(), e.reason(), e.status(), traceId);
                AuthErrorResponse answer = AuthErrorResponse.of(e, REALM);
                answer.headers().forEach(ctx::header);
                ctx.status(answer.status()).contentType("application/json").result(answer.body());
                ctx.skipRemainingHandlers();
            }
        };
    }

    public static VerifiedToken token(Context ctx) {
        return Objects.requireNonNull(ctx.attribute(TOKEN), "the route has no BearerAuth before-handler");
    }
}
