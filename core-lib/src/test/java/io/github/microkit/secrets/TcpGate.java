package io.github.microkit.secrets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of Vault that a test can cut and restore: "Vault unreachable" as the client sees
 * it (connection refused, connections reset), whatever Vault is behind it, emulator or real.
 */
final class TcpGate implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile boolean isCut;

    TcpGate(URI target) throws IOException {
        this.targetHost = target.getHost();
        this.targetPort = target.getPort();
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = s.getLocalPort();
        listen(s);
    }

    URI address() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Refuses new connections and resets the open ones. */
    synchronized void cut() throws IOException {
        isCut = true;
        server.close();
        for (Socket s : open) {
            s.close();
        }
        open.clear();
    }

    /** Accepts connections again on the same port. */
    synchronized void restore() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        isCut = false;
        listen(s);
    }

    private void listen(ServerSocket s) {
        server = s;
        Thread acceptor = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    synchronized (this) {
                        if (isCut) {
                            client.close(); // accepted just before the cut: refuse it all the same
                            continue;
                        }
                        Socket upstream = new Socket(targetHost, targetPort);
                        open.add(client);
                        open.add(upstream);
                        pump(client, upstream);
                        pump(upstream, client);
                    }
                } catch (IOException e) {
                    return; // closed by cut()
                }
            }
        }, "tcp-gate-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0 && !isCut) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // a cut or a closed peer ends the pump
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-gate-pump");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
