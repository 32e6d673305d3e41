package io.github.microkit.secrets;

import io.github.microkit.trace.CurrentTrace;
import io.github.microkit.trace.TraceContext;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that adds {@code X-Vault-Request: true} and a request id to every request, so each
 * call can be found in Vault's audit log. vault-java-driver sends its requests through the client given to
 * {@code VaultConfig.httpClient(...)}, and microkit's own direct calls use it too.
 *
 * <p>The id is the current trace id when the caller runs inside a trace (the same id as in the service's log
 * lines), otherwise a fresh UUID.
 */
final class RequestIdHttpClient extends HttpClient {

    private final HttpClient delegate;
    private final String header;

    RequestIdHttpClient(HttpClient delegate, String header) {
        this.delegate = delegate;
        this.header = header;
    }

    static String currentRequestId() {
        return CurrentTrace.get().map(TraceContext::traceId).orElseGet(() -> UUID.randomUUID().toString());
    }

    HttpRequest decorate(HttpRequest request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request,
                (name, value) -> !name.equalsIgnoreCase(header) && !name.equalsIgnoreCase("X-Vault-Request")
                        && !name.equalsIgnoreCase(TraceContext.TRACEPARENT));
        builder.header("X-Vault-Request", "true");
        builder.header(header, request.headers().firstValue(header).orElseGet(RequestIdHttpClient::currentRequestId));
        // the W3C header too, for a Vault behind a tracing proxy and for audit setups that record it
        CurrentTrace.get().ifPresent(trace -> builder.header(TraceContext.TRACEPARENT, trace.newChild().traceparent()));
        return builder.build();
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return delegate.send(decorate(request), handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return delegate.sendAsync(decorate(request), handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        return delegate.sendAsync(decorate(request), handler, pushPromiseHandler);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }
}
