package io.github.microkit.vault.emulator;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar vault-emulator.jar [--port 8200] [--host 127.0.0.1] [--root-token root]
 * [--audit-file stdout|PATH] [--rabbitmq-management-url http://127.0.0.1:15672]}: runs like
 * {@code vault server -dev} until stopped.
 */
public final class VaultEmulatorMain {

    private VaultEmulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        VaultEmulator.Builder b = VaultEmulator.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String value;
            if (a.contains("=")) {
                value = a.substring(a.indexOf('=') + 1);
            } else if (flag.equals("--help") || flag.equals("-h")) {
                usage(0);
                return;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                System.err.println("missing value for " + flag);
                usage(2);
                return;
            }
            switch (flag) {
                case "--port" -> b.port(Integer.parseInt(value));
                case "--host" -> b.host(value);
                case "--root-token" -> b.rootToken(value);
                case "--audit-file" -> {
                    if (value.equals("stdout")) {
                        b.auditToStdout();
                    } else {
                        b.auditFile(Path.of(value));
                    }
                }
                case "--rabbitmq-management-url" -> b.rabbitMqManagementUrl(value);
                default -> {
                    System.err.println("unknown option " + flag);
                    usage(2);
                    return;
                }
            }
        }
        VaultEmulator vault = b.start();
        System.err.println("""
                Vault emulator (development and tests only: an in-memory emulator, not a secret store)
                    export VAULT_ADDR='%s'
                    root token: as given by --root-token (default "root")
                KV version 2 is mounted at secret/. Stop with Ctrl-C.""".formatted(vault.address()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vault.close();
            stopped.countDown();
        }, "vault-emulator-shutdown"));
        stopped.await();
    }

    private static void usage(int status) {
        System.err.println("usage: java -jar vault-emulator.jar [--port 8200] [--host 127.0.0.1] [--root-token root]"
                + " [--audit-file stdout|PATH] [--rabbitmq-management-url http://127.0.0.1:15672]");
        if (status != 0) {
            System.exit(status);
        }
    }
}
