package io.github.microkit.secrets;

import io.github.microkit.MicrokitException;
import java.util.Objects;
import java.util.Optional;

/**
 * A secret could not be obtained. {@link #reason()} says why in a form code can branch on; the message
 * names the source and the path and never contains a secret value or token.
 */
public final class SecretAccessException extends MicrokitException {

    /** Why a secret could not be obtained. */
    public enum Reason {
        /** The source has nothing under that name or path. */
        NOT_FOUND(false),
        /** Vault KV v2: the latest (or requested) version was soft-deleted; it can be undeleted. */
        DELETED(false),
        /** Vault KV v2: the requested version was destroyed for good. */
        DESTROYED(false),
        /** The credentials in use are valid but their policies do not allow this path. */
        FORBIDDEN(false),
        /** Vault answered that it is sealed: an operator must unseal it. */
        SEALED(true),
        /** No connection, a timeout, or a reset: nothing useful came back. */
        UNREACHABLE(true),
        /** Vault answered with a server error, a standby answer or a rate limit (5xx, 412, 429). */
        UNAVAILABLE(true),
        /** Vault rejected the login (wrong role, secret id, service-account token or token). */
        LOGIN_REJECTED(false),
        /** A check-and-set write found another version than the one it expected. */
        CAS_MISMATCH(false),
        /** The request was malformed or the answer could not be understood. */
        INVALID(false),
        /** A file that should hold a secret exists but cannot be read. */
        UNREADABLE(false);

        private final boolean transientFailure;

        Reason(boolean transientFailure) {
            this.transientFailure = transientFailure;
        }

        /** True when waiting may help (Vault away, sealed or overloaded), so cached values may be served. */
        public boolean isTransient() {
            return transientFailure;
        }
    }

    private final Reason reason;
    private final String source;
    private final String path;
    private final int httpStatus;

    private SecretAccessException(Reason reason, String source, String path, int httpStatus, String message,
            Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.source = source;
        this.path = path;
        this.httpStatus = httpStatus;
    }

    /** For sources that must report a failure of a given reason; {@code detail} must never hold a value. */
    public static SecretAccessException of(Reason reason, String source, String path, String detail) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(detail, "detail");
        return new SecretAccessException(reason, source, path, 0, format(reason, source, path, 0, detail), null);
    }

    static SecretAccessException notFound(String source, String name) {
        return new SecretAccessException(Reason.NOT_FOUND, source, name, 0,
                format(Reason.NOT_FOUND, source, name, 0, "no secret by that name"), null);
    }

    static SecretAccessException vault(Reason reason, String address, String path, int httpStatus, String detail,
            Throwable cause) {
        return new SecretAccessException(reason, "Vault at " + address, path, httpStatus,
                format(reason, "Vault at " + address, path, httpStatus, detail), cause);
    }

    static SecretAccessException unreadable(String source, String name, Throwable cause) {
        return new SecretAccessException(Reason.UNREADABLE, source, name, 0,
                format(Reason.UNREADABLE, source, name, 0, cause.getClass().getSimpleName()
                        + ": check the file's permissions"), null);
    }

    /** Why it failed. */
    public Reason reason() {
        return reason;
    }

    /** Where it was looked up, e.g. {@code Vault at https://vault:8200} or {@code files in /etc/secrets}. */
    public String source() {
        return source;
    }

    /** The secret's name or Vault path (for KV v2: mount and path as the caller gave them). */
    public String path() {
        return path;
    }

    /** The HTTP status Vault answered with, if it answered. */
    public Optional<Integer> httpStatus() {
        return httpStatus == 0 ? Optional.empty() : Optional.of(httpStatus);
    }

    private static String format(Reason reason, String source, String path, int status, String detail) {
        String what;
        switch (reason) {
            case NOT_FOUND:
                what = "not found";
                break;
            case DELETED:
                what = "deleted (soft delete: it can be undeleted)";
                break;
            case DESTROYED:
                what = "destroyed";
                break;
            case FORBIDDEN:
                what = "permission denied: the policies of the token in use do not allow this path";
                break;
            case SEALED:
                what = "Vault is sealed: an operator must unseal it";
                break;
            case UNREACHABLE:
                what = "Vault is unreachable";
                break;
            case UNAVAILABLE:
                what = "Vault is unavailable";
                break;
            case LOGIN_REJECTED:
                what = "login rejected";
                break;
            case CAS_MISMATCH:
                what = "check-and-set failed: the secret has another current version";
                break;
            case UNREADABLE:
                what = "unreadable";
                break;
            default:
                what = "invalid request or answer";
                break;
        }
        return "Secret '" + path + "' from " + source + ": " + what + (status == 0 ? "" : " (HTTP " + status + ")")
                + (detail.isEmpty() ? "" : "; " + detail);
    }
}
