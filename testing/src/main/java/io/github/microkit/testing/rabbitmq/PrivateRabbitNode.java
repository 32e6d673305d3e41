package io.github.microkit.testing.rabbitmq;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A RabbitMQ node of the test's own, for tests that break the broker on purpose: cut every connection,
 * stop it, restart it. Its node name, AMQP and distribution ports, data and log directories are its own,
 * so the shared broker and other tests are never disturbed. It is always stopped and its directories
 * removed after the test class.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PrivateRabbitNode node = PrivateRabbitNode.create();
 *
 * node.closeAllConnections();   // like a network cut: clients see their connections drop
 * node.restart();               // stop and start the node; durable queues survive
 * }</pre>
 *
 * <p>Needs the {@code rabbitmq-server} package on the machine ({@code ./test.sh} installs it). Run as root,
 * Debian's scripts switch to the {@code rabbitmq} user, so the directories are handed to that user.
 */
public final class PrivateRabbitNode implements BeforeAllCallback, AfterAllCallback {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final String nodeName;
    private final int amqpPort;
    private final int distPort;
    private Path baseDir;
    private boolean running;

    private PrivateRabbitNode() {
        String id = UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
        this.nodeName = "microkit-" + id + "@localhost";
        this.amqpPort = freePort();
        int dist;
        do {
            dist = freePort();
        } while (dist == amqpPort);
        this.distPort = dist;
    }

    public static PrivateRabbitNode create() {
        return new PrivateRabbitNode();
    }

    /** The node's AMQP URI with guest/guest (loopback only). */
    public String uri() {
        return "amqp://guest:guest@127.0.0.1:" + amqpPort;
    }

    public int amqpPort() {
        return amqpPort;
    }

    public String nodeName() {
        return nodeName;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        baseDir = Files.createTempDirectory("microkit-rabbit-");
        Files.createDirectories(baseDir.resolve("mnesia"));
        Files.createDirectories(baseDir.resolve("log"));
        Files.writeString(baseDir.resolve("rabbitmq.conf"),
                // the listener comes from RABBITMQ_NODE_IP_ADDRESS/PORT; naming it here too would bind it twice
                "loopback_users.guest = true\n" + "log.console = false\n",
                StandardCharsets.UTF_8);
        Files.writeString(baseDir.resolve("enabled_plugins"), "[].\n", StandardCharsets.UTF_8);
        if (isRoot()) {
            run(List.of("chown", "-R", "rabbitmq:rabbitmq", baseDir.toString()), Duration.ofSeconds(10));
            // the rabbitmq user must be able to reach the directory through the temp dir
            run(List.of("chmod", "755", baseDir.toString()), Duration.ofSeconds(10));
        }
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            stop();
        } finally {
            if (baseDir != null) {
                try (Stream<Path> paths = Files.walk(baseDir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    /** Starts the node and waits until it accepts AMQP connections. */
    public synchronized void start() {
        if (running) {
            return;
        }
        exec(List.of(bin("rabbitmq-server"), "-detached"), Duration.ofSeconds(30));
        // -detached returns before the node registers with epmd, and await_startup fails at once for a node
        // it cannot reach yet (or one still booting), so it is asked again until the deadline
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        ProcessResult await;
        do {
            await = exec(List.of(bin("rabbitmqctl"), "-n", nodeName, "-q", "await_startup", "--timeout", "30"),
                    Duration.ofSeconds(40));
        } while (await.exitCode != 0 && System.nanoTime() < deadline && pauseBeforeRetry());
        if (await.exitCode != 0 || !waitForPort(Duration.ofSeconds(30))) {
            throw new ExtensionConfigurationException("private RabbitMQ node " + nodeName + " did not start: "
                    + await.output + " (logs in " + baseDir.resolve("log") + ")");
        }
        running = true;
    }

    /** Stops the node (like a crash followed by nothing: clients see their connections refused). */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        exec(List.of(bin("rabbitmqctl"), "-n", nodeName, "stop"), Duration.ofSeconds(60));
        running = false;
    }

    public void restart() {
        stop();
        start();
    }

    /**
     * Freezes the node's process (SIGSTOP): connections stay open but nothing is answered, so publishes stay
     * unconfirmed. {@link #resume()} lets it go on; {@link #kill()} crashes it.
     */
    public synchronized void pause() {
        signal("STOP");
    }

    public synchronized void resume() {
        signal("CONT");
    }

    /**
     * Crashes the node (SIGKILL): the kernel closes its sockets, so every client sees its connection cut at
     * once, whatever was in flight. {@link #start()} brings it back with its durable queues.
     */
    public synchronized void kill() {
        long pid = Long.parseLong(pid());
        signal("KILL");
        ProcessHandle.of(pid).ifPresent(process -> {
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("node " + nodeName + " did not exit after SIGKILL", e);
            }
        });
        running = false;
    }

    private void signal(String signal) {
        ProcessResult result = run(List.of("kill", "-" + signal, pid()), Duration.ofSeconds(10));
        if (result.exitCode != 0) {
            throw new IllegalStateException("kill -" + signal + " of " + nodeName + " failed: " + result.output);
        }
    }

    private String pid() {
        try {
            return Files.readString(baseDir.resolve("node.pid"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("no pid file for " + nodeName + ": is it running?", e);
        }
    }

    /** Closes every client connection, as a network cut or a forced close would. */
    public void closeAllConnections() {
        ProcessResult result = exec(List.of(bin("rabbitmqctl"), "-n", nodeName, "close_all_connections",
                "closed by test"), Duration.ofSeconds(30));
        if (result.exitCode != 0) {
            throw new IllegalStateException("close_all_connections failed on " + nodeName + ": " + result.output);
        }
    }

    /** Runs a {@code rabbitmqctl} command against this node and returns its output. */
    public String rabbitmqctl(String... args) {
        List<String> command = new ArrayList<>(List.of(bin("rabbitmqctl"), "-n", nodeName));
        command.addAll(List.of(args));
        ProcessResult result = exec(command, Duration.ofSeconds(60));
        if (result.exitCode != 0) {
            throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " failed: " + result.output);
        }
        return result.output;
    }

    private ProcessResult exec(List<String> command, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("RABBITMQ_NODENAME", nodeName);
        env.put("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1");
        env.put("RABBITMQ_NODE_PORT", String.valueOf(amqpPort));
        env.put("RABBITMQ_DIST_PORT", String.valueOf(distPort));
        env.put("RABBITMQ_MNESIA_BASE", baseDir.resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", baseDir.resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", baseDir.resolve("node.pid").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", baseDir.resolve("enabled_plugins").toString());
        env.put("RABBITMQ_CONFIG_FILE", baseDir.resolve("rabbitmq.conf").toString());
        return runWith(builder, timeout);
    }

    private static ProcessResult run(List<String> command, Duration timeout) {
        return runWith(new ProcessBuilder(command).redirectErrorStream(true), timeout);
    }

    private static ProcessResult runWith(ProcessBuilder builder, Duration timeout) {
        try {
            Path out = Files.createTempFile("microkit-rabbitmqctl-", ".log");
            try {
                Process process = builder.redirectOutput(out.toFile()).start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", builder.command()) + " timed out after "
                            + timeout);
                }
                return new ProcessResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8).strip());
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + builder.command().get(0)
                    + ": is the rabbitmq-server package installed? ./test.sh installs it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static boolean pauseBeforeRetry() {
        try {
            TimeUnit.MILLISECONDS.sleep(500); // the node registers within seconds; rabbitmqctl itself takes ~1 s
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean waitForPort(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), amqpPort)) {
                return true;
            } catch (IOException e) {
                try {
                    TimeUnit.MILLISECONDS.sleep(100); // polling a port that opens within seconds
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private static String bin(String name) {
        for (String dir : List.of("/usr/sbin", "/usr/lib/rabbitmq/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return name;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record ProcessResult(int exitCode, String output) {
    }

    @Override
    public String toString() {
        return "PrivateRabbitNode[" + nodeName + " on 127.0.0.1:" + amqpPort + "]";
    }
}
