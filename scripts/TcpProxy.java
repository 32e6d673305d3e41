import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP forwarder for ./demo.sh: {@code java scripts/TcpProxy.java LISTEN_PORT TARGET_HOST TARGET_PORT}.
 * The demo points one producer at it instead of at the broker, so that stopping this process is "the broker is
 * away" for that producer alone: the broker itself, which other programs on the machine may share, keeps running.
 * Killing the process closes every forwarded connection and refuses new ones until it is started again.
 */
public final class TcpProxy {

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: java TcpProxy.java LISTEN_PORT TARGET_HOST TARGET_PORT");
            System.exit(2);
        }
        int listenPort = Integer.parseInt(args[0]);
        String targetHost = args[1];
        int targetPort = Integer.parseInt(args[2]);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
            System.out.println("forwarding 127.0.0.1:" + listenPort + " to " + targetHost + ":" + targetPort);
            while (true) {
                Socket client = server.accept();
                try {
                    Socket target = new Socket(targetHost, targetPort);
                    pipe(client, target);
                    pipe(target, client);
                } catch (IOException e) {
                    System.out.println("cannot reach " + targetHost + ":" + targetPort + ": " + e.getMessage());
                    client.close();
                }
            }
        }
    }

    /** Copies {@code from} to {@code to} on a thread of its own; the end of either closes both. */
    private static void pipe(Socket from, Socket to) {
        Thread copier = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side closed: close the other below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
        copier.setDaemon(true);
        copier.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
