package io.github.microkit.testing.tokens;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A token issuer for tests: serves an OIDC discovery document and a JWKS on a loopback port and signs
 * real tokens (RS256, ES256, EdDSA) with keys it generated, so the code under test fetches keys over
 * HTTP exactly as it would from a real identity provider.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TestIssuer ISSUER = TestIssuer.create();
 *
 * String token = ISSUER.token().audience("orders-api").scope("orders:write").sign();
 * }</pre>
 *
 * <p>Beyond a fixed IdP it can rotate keys ({@link #rotate(JWSAlgorithm)}, {@link #retire(String)}), publish
 * odd keys ({@link #publishRaw(Map)}), count key-set downloads ({@link #jwksRequests()}) and be stopped and
 * started again on the same port ({@link #stop()}, {@link #start()}) to test outages. Used as a JUnit 5
 * extension it starts before the class's tests and stops after them; used directly, close it.
 */
public final class TestIssuer implements BeforeAllCallback, AfterAllCallback, AutoCloseable {

    /** Algorithms the issuer has a key for from the start. */
    public static final List<JWSAlgorithm> ALGORITHMS = List.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);

    private final Map<String, JWK> keysById = new LinkedHashMap<>();
    private final Map<String, JWK> retired = new LinkedHashMap<>();
    private final Map<JWSAlgorithm, String> currentKid = new LinkedHashMap<>();
    private final List<Map<String, Object>> rawKeys = new ArrayList<>();
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final AtomicInteger discoveryRequests = new AtomicInteger();
    private HttpServer server;
    private ExecutorService executor;
    private int port;

    private TestIssuer() {
        for (JWSAlgorithm alg : ALGORITHMS) {
            rotate(alg);
        }
    }

    /** An issuer with one key per algorithm in {@link #ALGORITHMS}; not yet listening. */
    public static TestIssuer create() {
        return new TestIssuer();
    }

    /** Starts listening on a free loopback port, or on the previous port after {@link #stop()}. */
    public synchronized TestIssuer start() {
        if (server != null) {
            return this;
        }
        // The JDK server delays small responses by 40 ms (Nagle) unless this is set before it is created.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + port, e);
        }
        port = server.getAddress().getPort();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-issuer-" + port);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/.well-known/openid-configuration", this::discovery);
        server.createContext("/jwks", this::jwks);
        server.createContext("/ready", exchange -> respond(exchange, "{}"));
        server.start();
        warmUp();
        return this;
    }

    /**
     * One request to itself, so the JDK's HTTP server and client have loaded their classes before the code
     * under test sends its first request with a sub-second timeout (on a loaded machine the cold first
     * request can take longer than that). Not counted in {@link #jwksRequests()}.
     */
    private void warmUp() {
        try {
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(issuer() + "/ready").toURL().openConnection();
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            try (java.io.InputStream in = c.getInputStream()) {
                in.readAllBytes();
            }
        } catch (IOException e) {
            throw new IllegalStateException("test issuer does not answer on " + issuer(), e);
        }
    }

    /** Stops listening: connections are refused until {@link #start()}, which reuses the port. */
    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
            executor = null;
        }
    }

    public synchronized boolean running() {
        return server != null;
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    /** The issuer identifier ({@code iss}), {@code http://127.0.0.1:<port>}. */
    public synchronized String issuer() {
        if (port == 0) {
            throw new IllegalStateException("start the issuer first");
        }
        return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port;
    }

    public URI jwksUri() {
        return URI.create(issuer() + "/jwks");
    }

    public URI discoveryUri() {
        return URI.create(issuer() + "/.well-known/openid-configuration");
    }

    /** How many times the key set was downloaded. */
    public int jwksRequests() {
        return jwksRequests.get();
    }

    public int discoveryRequests() {
        return discoveryRequests.get();
    }

    /**
     * Generates a new key for {@code alg}, publishes it and signs later tokens of that algorithm with it.
     * The previous key stays published until {@link #retire(String) retired}, as an IdP does.
     *
     * @return the new key's id
     */
    public synchronized String rotate(JWSAlgorithm alg) {
        Objects.requireNonNull(alg, "alg");
        String kid = alg.getName().toLowerCase(java.util.Locale.ROOT) + "-" + UUID.randomUUID().toString().substring(0, 8);
        JWK key = generate(alg, kid);
        keysById.put(kid, key);
        currentKid.put(alg, kid);
        return kid;
    }

    /** Removes a key from the published key set; tokens may still be signed with it (a revoked key). */
    public synchronized void retire(String kid) {
        Objects.requireNonNull(kid, "kid");
        JWK removed = keysById.remove(kid);
        if (removed == null) {
            throw new IllegalArgumentException("no key " + kid);
        }
        retired.put(kid, removed);
    }

    /** Adds a key to the published set exactly as given (e.g. a short RSA key, private parts, {@code use=enc}). */
    public synchronized void publishRaw(Map<String, Object> jwkJson) {
        rawKeys.add(Map.copyOf(Objects.requireNonNull(jwkJson, "jwkJson")));
    }

    /** The current signing key's id for {@code alg}. */
    public synchronized String currentKeyId(JWSAlgorithm alg) {
        return Optional.ofNullable(currentKid.get(alg)).orElseThrow(() -> new IllegalArgumentException("no key for " + alg));
    }

    /** The full key pair with id {@code kid} (published or retired), for tests that craft tokens themselves. */
    public synchronized JWK keyPair(String kid) {
        JWK key = keysById.containsKey(kid) ? keysById.get(kid) : retired.get(kid);
        if (key == null) {
            throw new IllegalArgumentException("no key " + kid);
        }
        return key;
    }

    /** The published key set (public parts only, plus any raw keys). */
    public synchronized String jwksJson() {
        List<Object> keys = new ArrayList<>();
        for (JWK key : keysById.values()) {
            keys.add(key.toPublicJWK().toJSONObject());
        }
        keys.addAll(rawKeys);
        return JSONObjectUtils.toJSONString(Map.of("keys", keys));
    }

    /** Starts a token signed with the current key of RS256 (change with {@link TokenBuilder#algorithm}). */
    public TokenBuilder token() {
        return new TokenBuilder(this);
    }

    /**
     * Signs exactly these header and payload bytes with key {@code kid}, for tokens a builder will not
     * make (registered headers such as {@code jku}, duplicate keys, odd JSON). The header must name the
     * key's algorithm.
     */
    public String signRaw(String headerJson, String payloadJson, String kid) {
        Objects.requireNonNull(headerJson, "headerJson");
        Objects.requireNonNull(payloadJson, "payloadJson");
        String input = Base64URL.encode(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + Base64URL.encode(payloadJson.getBytes(StandardCharsets.UTF_8));
        try {
            JWSHeader header = JWSHeader.parse(headerJson);
            return input + "." + signer(kid).sign(header, input.getBytes(StandardCharsets.US_ASCII));
        } catch (JOSEException | java.text.ParseException e) {
            throw new IllegalStateException("cannot sign raw token with " + kid, e);
        }
    }

    synchronized JWSSigner signer(String kid) {
        JWK key = keyPair(kid);
        try {
            if (key instanceof RSAKey rsa) {
                return new RSASSASigner(rsa);
            } else if (key instanceof ECKey ec) {
                return new ECDSASigner(ec);
            } else if (key instanceof OctetKeyPair okp) {
                return new Ed25519Signer(okp);
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with " + kid, e);
        }
        throw new IllegalStateException("unsupported key type " + key.getKeyType());
    }

    private static JWK generate(JWSAlgorithm alg, String kid) {
        try {
            if (JWSAlgorithm.Family.RSA.contains(alg)) {
                return new RSAKeyGenerator(2048).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            } else if (JWSAlgorithm.ES256.equals(alg)) {
                return new ECKeyGenerator(Curve.P_256).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            } else if (JWSAlgorithm.EdDSA.equals(alg)) {
                return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).algorithm(alg).keyUse(KeyUse.SIGNATURE).generate();
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate a key for " + alg, e);
        }
        throw new IllegalArgumentException("unsupported algorithm " + alg + "; use one of " + ALGORITHMS);
    }

    private void discovery(HttpExchange exchange) throws IOException {
        discoveryRequests.incrementAndGet();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuer());
        doc.put("jwks_uri", jwksUri().toString());
        doc.put("authorization_endpoint", issuer() + "/authorize");
        doc.put("token_endpoint", issuer() + "/token");
        doc.put("response_types_supported", List.of("code"));
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256", "ES256", "EdDSA"));
        respond(exchange, JSONObjectUtils.toJSONString(doc));
    }

    private void jwks(HttpExchange exchange) throws IOException {
        jwksRequests.incrementAndGet();
        respond(exchange, jwksJson());
    }

    private static void respond(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Public key set view, for tests that configure static keys. */
    public synchronized JWKSet publicKeys() {
        return new JWKSet(new ArrayList<>(keysById.values())).toPublicJWKSet();
    }
}
