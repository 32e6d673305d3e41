package io.github.microkit.samples.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microkit.health.Health;
import io.github.microkit.health.HealthRegistry;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The HTTP conventions both samples share (DESIGN.md, "HTTP"): JSON errors {@code {"error","message"}} and
 * never a 500 for a client's mistake, {@code /health/live}, {@code /health/ready}, {@code /metrics}, and a
 * timer per request.
 */
public final class Http {

    private static final Logger LOG = LoggerFactory.getLogger(Http.class);
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final String STARTED = "request-started-nanos";

    private Http() {
    }

    /**
     * A service's HTTP server on {@code port}, not started: no banner, JSON errors ({@link #errorHandling}), the
     * operations routes ({@link #operations}), then whatever {@code service} configures: its own routes.
     */
    public static Javalin server(int port, HealthRegistry health, PrometheusMeterRegistry metrics,
                                 Consumer<JavalinConfig> service) {
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(service, "service");
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.port = port;
            errorHandling(config);
            operations(config, health, metrics);
            service.accept(config);
        });
    }

    public static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a response", e);
        }
    }

    public static Map<String, String> error(String error, String message) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("message", message);
        return body;
    }

    /** Every failure answered as JSON: ours, Javalin's own (404, 405, 413 ...), and bugs (500, logged). */
    public static void errorHandling(JavalinConfig config) {
        config.routes.exception(ApiError.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            json(ctx, e.status(), error(e.error(), e.getMessage()));
        });
        config.routes.exception(HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() >= 500) {
                LOG.warn("{} {} answered {} by the server: {}", ctx.method(), ctx.path(), e.getStatus(), e.getMessage());
            }
            json(ctx, e.getStatus(), error(reasonCode(e.getStatus()), e.getMessage()));
        });
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            json(ctx, 500, error("internal_error", "The request failed on our side."));
        });
        config.routes.error(404, ctx -> {
            if (!isJson(ctx.result())) {
                json(ctx, 404, error("not_found", "No such resource."));
            }
        });
        config.routes.error(405, ctx -> json(ctx, 405, error("method_not_allowed", "Method not allowed here.")));
    }

    /** Liveness (the process serves), readiness (each check, 503 when one is DOWN) and Prometheus metrics. */
    public static void operations(JavalinConfig config, HealthRegistry health, PrometheusMeterRegistry metrics) {
        config.routes.get("/health/live", ctx -> json(ctx, 200, Map.of("status", "UP")));
        config.routes.get("/health/ready", ctx -> {
            HealthRegistry.Report report = health.report();
            Map<String, Object> checks = new LinkedHashMap<>();
            report.checks().forEach((name, h) -> checks.put(name, describe(h)));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", report.status().name());
            body.put("checks", checks);
            json(ctx, report.ready() ? 200 : 503, body);
        });
        config.routes.get("/metrics", ctx ->
                ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        // one timer per route and status; the route template, not the raw path, keeps the label set small
        config.routes.before(ctx -> ctx.attribute(STARTED, System.nanoTime()));
        config.routes.after(ctx -> {
            Long started = ctx.attribute(STARTED);
            if (started != null) {
                Timer.builder("http.server.requests")
                        .tag("method", ctx.method().toString())
                        .tag("uri", route(ctx))
                        .tag("status", Integer.toString(ctx.statusCode()))
                        .register(metrics)
                        .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        });
    }

    private static Map<String, Object> describe(Health health) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", health.status().name());
        out.put("detail", health.detail());
        if (!health.facts().isEmpty()) {
            out.put("facts", health.facts());
        }
        return out;
    }

    private static String route(Context ctx) {
        try {
            return ctx.endpoint().path;
        } catch (RuntimeException e) {
            return "UNMATCHED";
        }
    }

    private static boolean isJson(String result) {
        return result != null && result.startsWith("{");
    }

    private static String reasonCode(int status) {
        switch (status) {
            case 400: return "invalid_request";
            case 404: return "not_found";
            case 405: return "method_not_allowed";
            case 413: return "payload_too_large";
            case 415: return "unsupported_media_type";
            default: return status >= 500 ? "unavailable" : "invalid_request";
        }
    }
}
