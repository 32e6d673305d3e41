package io.github.microkit.secrets;

import java.time.Instant;
import java.util.Optional;

/**
 * What a KV v2 read found. Absence comes in three kinds that mean different things to an operator (never
 * written, soft-deleted, destroyed), so each is its own {@link Outcome}; failures to ask at all (forbidden,
 * sealed, unreachable) are thrown as {@link SecretAccessException}, never returned as an empty map.
 */
public final class KvReadResult {

    /** The kinds of answer a read can have. */
    public enum Outcome { FOUND, NOT_FOUND, DELETED, DESTROYED }

    private final Outcome outcome;
    private final String mount;
    private final String path;
    private final KvSecret secret;
    private final int version;
    private final Instant deletionTime;

    private KvReadResult(Outcome outcome, String mount, String path, KvSecret secret, int version, Instant deletionTime) {
        this.outcome = outcome;
        this.mount = mount;
        this.path = path;
        this.secret = secret;
        this.version = version;
        this.deletionTime = deletionTime;
    }

    static KvReadResult found(KvSecret secret) {
        return new KvReadResult(Outcome.FOUND, secret.mount(), secret.path(), secret, secret.version(), null);
    }

    static KvReadResult notFound(String mount, String path) {
        return new KvReadResult(Outcome.NOT_FOUND, mount, path, null, 0, null);
    }

    static KvReadResult deleted(String mount, String path, int version, Instant deletionTime) {
        return new KvReadResult(Outcome.DELETED, mount, path, null, version, deletionTime);
    }

    static KvReadResult destroyed(String mount, String path, int version) {
        return new KvReadResult(Outcome.DESTROYED, mount, path, null, version, null);
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The secret when {@link Outcome#FOUND}. */
    public Optional<KvSecret> secret() {
        return Optional.ofNullable(secret);
    }

    /** The version the answer is about (0 when nothing was ever written). */
    public int version() {
        return version;
    }

    /** When the version was soft-deleted, for {@link Outcome#DELETED}. */
    public Optional<Instant> deletionTime() {
        return Optional.ofNullable(deletionTime);
    }

    /** The secret, or a {@link SecretAccessException} naming the path and the outcome. */
    public KvSecret orElseThrow() {
        if (secret != null) {
            return secret;
        }
        SecretAccessException.Reason reason = outcome == Outcome.DELETED ? SecretAccessException.Reason.DELETED
                : outcome == Outcome.DESTROYED ? SecretAccessException.Reason.DESTROYED
                : SecretAccessException.Reason.NOT_FOUND;
        throw SecretAccessException.of(reason, "Vault KV v2 mount " + mount, path,
                version == 0 ? "" : "version " + version);
    }

    @Override
    public String toString() {
        return "KvReadResult[" + outcome + " " + mount + "/" + path + (version == 0 ? "" : " v" + version) + "]";
    }
}
