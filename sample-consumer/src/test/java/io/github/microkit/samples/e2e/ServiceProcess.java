package io.github.microkit.samples.e2e;

import org.awaitility.Awaitility;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One sample service as a real process ({@code java -jar}), as an operator runs it: configured by environment
 * variables only, stopped by SIGTERM. Its output is kept in memory for assertions and copied to
 * {@code target/e2e-logs/<name>.log} for the reader of a failed build.
 */
final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ServiceProcess(String name, int port, Process process, Path logFile) throws IOException {
        this.name = name;
        this.port = port;
        this.process = process;
        PrintWriter log = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
        this.reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    log.println(line);
                }
            } catch (IOException e) {
                lines.add("[e2e] output closed: " + e);
            } finally {
                log.close();
            }
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    static ServiceProcess producer(Map<String, String> env) throws IOException {
        return start("producer", System.getProperty("producer.jar", "../sample-producer/target/sample-producer.jar"), env);
    }

    static ServiceProcess consumer(Map<String, String> env) throws IOException {
        return start("consumer", System.getProperty("consumer.jar", "target/sample-consumer.jar"), env);
    }

    private static ServiceProcess start(String name, String jar, Map<String, String> env) throws IOException {
        Path jarPath = Path.of(jar);
        if (!Files.isRegularFile(jarPath)) {
            throw new IllegalStateException(jarPath.toAbsolutePath() + " is missing: build both samples first (./mvnw package)");
        }
        int port = freePort();
        Map<String, String> variables = new HashMap<>(env);
        variables.put("HTTP_PORT", Integer.toString(port));
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jarPath.toString()).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("RABBITMQ_") || k.startsWith("JWT_") || k.startsWith("VAULT_"));
        builder.environment().putAll(variables);
        Path logs = Files.createDirectories(Path.of("target", "e2e-logs"));
        return new ServiceProcess(name, port, builder.start(), logs.resolve(name + "-" + port + ".log"));
    }

    /** Waits until {@code /health/ready} answers 200 (fails early, with the output, if the process exits). */
    ServiceProcess awaitReady() throws InterruptedException {
        try {
            Awaitility.await(name + " ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + String.join("\n", lines));
                        }
                        return status(URI.create(url("/health/ready"))) == 200;
                    });
            return this;
        } catch (RuntimeException e) {
            close(); // the caller never gets a handle to a service that did not start: stop it here
            throw e;
        }
    }

    String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    Optional<String> line(String containing) {
        return lines.stream().filter(l -> l.contains(containing)).findFirst();
    }

    /** SIGTERM, as Kubernetes and {@code docker stop} send it. */
    void sigterm() {
        // through the handle: Process.destroy() would also close our end of its output, losing the shutdown's log
        process.toHandle().destroy();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " did not exit within " + timeout);
        }
        reader.join(10_000); // the output may lag behind the process: read it to the end
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        reader.join(10_000);
    }

    private static int status(URI uri) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String toString() {
        return name + " on " + port;
    }

}
