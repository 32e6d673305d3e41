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

    /**
     * Not passed to the process: the working directory to run it in (default: a fresh one per process under
     * {@code target/e2e-work}). The embedded H2 database lives there, in {@code data/}.
     */
    static final String WORK_DIR = "e2e.workDir";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    /** Every process started and not yet closed: {@link #closeAll()} ends them when a test fails half-way. */
    private static final java.util.Set<ServiceProcess> STARTED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String name;
    private final String jar;
    private final Map<String, String> env;
    private final Path workDir;
    private final int port;
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ServiceProcess(String name, String jar, Map<String, String> env, Path workDir, int port, Process process,
                           Path logFile) throws IOException {
        this.name = name;
        this.jar = jar;
        this.env = env;
        this.workDir = workDir;
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
        STARTED.add(this);
    }

    /**
     * The variables of a service on {@code database}, with the broker at {@code rabbitUri} and tokens from
     * {@code idp}: a new map, for the test to add its own.
     */
    static Map<String, String> env(ServiceDatabase database, String rabbitUri, IdentityProvider idp) {
        Map<String, String> env = new HashMap<>(database.env());
        env.put("RABBITMQ_URI", rabbitUri);
        env.put("JWT_ISSUER", idp.issuer());
        return env;
    }

    static ServiceProcess producer(Map<String, String> env) throws IOException {
        return producer("producer", env);
    }

    static ServiceProcess consumer(Map<String, String> env) throws IOException {
        return consumer("consumer", env);
    }

    /** A producer whose log lines and log file carry {@code name} (several replicas in one test). */
    static ServiceProcess producer(String name, Map<String, String> env) throws IOException {
        return start(name, System.getProperty("producer.jar", "../sample-producer/target/sample-producer.jar"), env, null);
    }

    static ServiceProcess consumer(String name, Map<String, String> env) throws IOException {
        return start(name, System.getProperty("consumer.jar", "target/sample-consumer.jar"), env, null);
    }

    /** Runs the jar in {@code workDir}; null: the {@link #WORK_DIR} variable's, else a fresh one (see below). */
    private static ServiceProcess start(String name, String jar, Map<String, String> env, Path workDir) throws IOException {
        Path jarPath = Path.of(jar).toAbsolutePath();
        if (!Files.isRegularFile(jarPath)) {
            throw new IllegalStateException(jarPath + " is missing: build both samples first (./mvnw package)");
        }
        int port = freePort();
        Map<String, String> variables = new HashMap<>(env);
        variables.put("HTTP_PORT", Integer.toString(port));
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jarPath.toString()).redirectErrorStream(true);
        // nothing of the build's own environment leaks in (test.sh exports DATABASE_URL for the test fixtures)
        builder.environment().keySet().removeIf(k -> k.startsWith("RABBITMQ_") || k.startsWith("JWT_")
                || k.startsWith("VAULT_") || k.startsWith("DATABASE_") || k.equals("PUBLISH_MODE"));
        builder.environment().putAll(variables);
        // Without DATABASE_URL a service keeps its orders in an H2 file under its working directory
        // (./data/<service>): each process gets a fresh directory of its own, so tests never share state by
        // accident. A test that wants two processes on one database (replicas, a restart) passes DATABASE_URL,
        // or the same workDir through the WORK_DIR variable of this helper; restart() keeps the directory.
        String requested = variables.remove(WORK_DIR);
        builder.environment().remove(WORK_DIR);
        if (workDir != null) {
            // a restart: the same directory, with whatever the process left there
        } else if (requested != null) {
            workDir = Path.of(requested);
        } else {
            workDir = Path.of("target", "e2e-work", name + "-" + port);
            deleteRecursively(workDir); // left by an earlier build that used the same port
        }
        builder.directory(Files.createDirectories(workDir).toFile());
        Path logs = Files.createDirectories(Path.of("target", "e2e-logs"));
        return new ServiceProcess(name, jar, Map.copyOf(env), workDir, port, builder.start(),
                logs.resolve(name + "-" + port + ".log"));
    }

    /** The same service again (same environment and working directory, a new port): after {@link #kill9()}. */
    ServiceProcess restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running: stop or kill it first");
        }
        return start(name, jar, env, workDir);
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

    /**
     * {@code kill -9}: the JVM gets no chance to run a shutdown hook, finish a transaction or ack a message, as
     * when a node dies or the OOM killer strikes. Returns once the process is gone.
     */
    void kill9() throws InterruptedException {
        // through the handle, as in sigterm(): keeps our end of its output open to read what it printed last
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
        }
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Stops every service process this JVM started and did not close yet (for a test's finally block). */
    static void closeAll() throws InterruptedException {
        for (ServiceProcess p : List.copyOf(STARTED)) {
            p.close();
        }
    }

    @Override
    public void close() throws InterruptedException {
        STARTED.remove(this);
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

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String toString() {
        return name + " on " + port + " (pid " + process.pid() + ")";
    }

}
