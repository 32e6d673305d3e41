package io.github.microkit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An https Vault with a certificate from a private CA: trusted through {@code caCertificate}, refused without. */
class VaultTlsTest {

    @TempDir
    Path dir;
    private HttpsServer server;
    private Path caPem;

    private void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isZero();
    }

    @BeforeEach
    void start() throws Exception {
        Path keystore = dir.resolve("vault.p12");
        caPem = dir.resolve("ca.pem");
        keytool("-genkeypair", "-alias", "vault", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "vault", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", caPem.toString());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        server.createContext("/", exchange -> {
            byte[] body = "{\"sealed\":false}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private VaultSettings.Builder settings() {
        return VaultSettings.builder(URI.create("https://127.0.0.1:" + server.getAddress().getPort()),
                VaultAuth.token(Secret.of("t", "x"))).retry(RetryPolicy.none())
                .connectTimeout(java.time.Duration.ofSeconds(20)); // a loaded CI machine is slow at TLS handshakes
    }

    @Test
    void aVaultWithAPrivateCaIsTrustedThroughItsCaCertificate() {
        VaultTransport transport = new VaultTransport(settings().caCertificate(caPem).build());

        assertThat(transport.send("GET", "sys/health", null, null, "sys/health").status()).isEqualTo(200);
    }

    @Test
    void withoutTheCaTheConnectionFailsAsATrustProblemNotAnOutage() {
        VaultTransport transport = new VaultTransport(settings().build());

        assertThatThrownBy(() -> transport.send("GET", "sys/health", null, null, "sys/health"))
                .isInstanceOfSatisfying(SecretAccessException.class,
                        e -> {
                            assertThat(e.reason()).as(e.getMessage()).isEqualTo(SecretAccessException.Reason.INVALID);
                            assertThat(e.reason().isTransient()).isFalse();
                            assertThat(e.getMessage()).contains("TLS").contains("VAULT_CACERT");
                        });
    }
}
