package io.github.microkit.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a {@link VaultClient} logs in. Credentials are read at each login, not once: a secret id or
 * service-account token file that was rotated is picked up by the next login.
 */
public final class VaultAuth {

    /** Where Kubernetes mounts the pod's service-account token. */
    public static final Path DEFAULT_K8S_TOKEN_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    enum Method { TOKEN, APPROLE, KUBERNETES }

    private final Method method;
    private final String role;
    private final Supplier<Secret> credential;
    private final String describe;
    private final String mount;
    private final boolean rereadable;

    private VaultAuth(Method method, String role, Supplier<Secret> credential, String describe, boolean rereadable) {
        this(method, role, credential, describe, method == Method.KUBERNETES ? "kubernetes" : "approle", rereadable);
    }

    private VaultAuth(Method method, String role, Supplier<Secret> credential, String describe, String mount,
            boolean rereadable) {
        this.method = method;
        this.role = role;
        this.credential = credential;
        this.describe = describe;
        this.mount = mount;
        this.rereadable = rereadable;
    }

    /**
     * The same method at another mount path: {@code auth/<mount>/login} instead of the default
     * {@code auth/approle/login} or {@code auth/kubernetes/login} (e.g. one Kubernetes mount per cluster).
     */
    public VaultAuth atMount(String mount) {
        Objects.requireNonNull(mount, "mount");
        if (method == Method.TOKEN) {
            throw new IllegalArgumentException("token auth has no login mount");
        }
        if (!mount.matches("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")) {
            throw new IllegalArgumentException("an auth mount is like 'approle' or 'k8s/cluster-a', was " + mount);
        }
        return new VaultAuth(method, role, credential, describe + " at auth/" + mount, mount, rereadable);
    }

    /** The auth mount path without {@code auth/}. */
    String mount() {
        return mount;
    }

    /**
     * A token given to the service (e.g. {@code VAULT_TOKEN}). Microkit renews it while it is renewable but
     * cannot log in again, and does not revoke it on close: it was not microkit's to revoke.
     */
    public static VaultAuth token(Secret token) {
        Objects.requireNonNull(token, "token");
        return new VaultAuth(Method.TOKEN, null, () -> token, "token", false);
    }

    /** A token read from a file at each login, e.g. the sink file of a Vault Agent that keeps it fresh. */
    public static VaultAuth tokenFile(Path file) {
        Objects.requireNonNull(file, "file");
        return new VaultAuth(Method.TOKEN, null, () -> readFile(file, "vault-token"), "token from file " + file, true);
    }

    /** AppRole with a secret id given as a value (e.g. {@code VAULT_SECRET_ID}). */
    public static VaultAuth appRole(String roleId, Secret secretId) {
        Objects.requireNonNull(roleId, "roleId");
        Objects.requireNonNull(secretId, "secretId");
        return new VaultAuth(Method.APPROLE, roleId, () -> secretId, "approle", true);
    }

    /** AppRole with the secret id read from a file at each login (a response-wrapped or rotated secret id). */
    public static VaultAuth appRole(String roleId, Path secretIdFile) {
        Objects.requireNonNull(roleId, "roleId");
        Objects.requireNonNull(secretIdFile, "secretIdFile");
        return new VaultAuth(Method.APPROLE, roleId, () -> readFile(secretIdFile, "secret-id"),
                "approle (secret id from file " + secretIdFile + ")", true);
    }

    /** Kubernetes auth with the pod's own service-account token, from {@link #DEFAULT_K8S_TOKEN_FILE}. */
    public static VaultAuth kubernetes(String role) {
        return kubernetes(role, DEFAULT_K8S_TOKEN_FILE);
    }

    /**
     * Kubernetes auth. The token file is read again at every login: projected service-account tokens are
     * short-lived and the kubelet rewrites the file, so a token read at start would be rejected hours later.
     */
    public static VaultAuth kubernetes(String role, Path serviceAccountTokenFile) {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(serviceAccountTokenFile, "serviceAccountTokenFile");
        return new VaultAuth(Method.KUBERNETES, role, () -> readFile(serviceAccountTokenFile, "service-account-token"),
                "kubernetes role " + role + " (token file " + serviceAccountTokenFile + ")", true);
    }

    Method method() {
        return method;
    }

    String role() {
        return role;
    }

    /** Reads the credential now; a file that cannot be read is a rejected login, not a Vault outage. */
    Secret credential() {
        return credential.get();
    }

    /** Whether a new login is possible once the token expires: not for a token given as a value. */
    boolean canLogInAgain() {
        return rereadable;
    }

    /** Whether microkit obtained the token itself and so revokes it on close. */
    boolean ownsToken() {
        return method != Method.TOKEN;
    }

    private static Secret readFile(Path file, String name) {
        try {
            return Secret.of(name, DirectorySource.stripTrailingNewline(Files.readString(file, StandardCharsets.UTF_8)).strip());
        } catch (IOException | RuntimeException e) {
            throw SecretAccessException.unreadable("file " + file, name, e);
        }
    }

    /** The method and role, never the credential. */
    @Override
    public String toString() {
        return "VaultAuth[" + describe + "]";
    }
}
