package io.github.microkit.samples.common;

import io.github.microkit.config.EnvConfig;
import io.github.microkit.secrets.Secret;

import java.util.Objects;
import java.util.Optional;

/**
 * The database variables of a sample service, read in the same pass as the rest of {@link ServiceSettings}.
 *
 * @param jdbcUrl  {@code DATABASE_URL}; unset means an H2 file under the working directory ({@link #embedded()})
 * @param username {@code DATABASE_USERNAME} (or {@code _FILE}); with Vault, the KV key {@code database.username}
 *                 overrides it
 * @param password {@code DATABASE_PASSWORD} (or {@code _FILE}); a {@link Secret}, so it never shows in a log line
 * @param embedded true when {@code DATABASE_URL} was unset and {@code jdbcUrl} is the H2 default
 * @param migrate  {@code DATABASE_MIGRATE}: run microkit's and the service's migrations at start (true), or only
 *                 verify the schema and stop when it is missing or newer (false)
 * @param poolSize {@code DATABASE_POOL_SIZE}: HikariCP's maximum pool size
 */
public record DatabaseSettings(String jdbcUrl, Optional<String> username, Optional<Secret> password, boolean embedded,
                               boolean migrate, int poolSize) {

    /** H2's PostgreSQL mode, with the options microkit's schema is written for. */
    static final String H2_OPTIONS = "MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";

    public DatabaseSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /**
     * Reads the variables; problems are recorded in {@code env} (the caller validates once, after everything).
     *
     * @param service names the H2 file: {@code ./data/<service>}
     */
    public static DatabaseSettings fromEnv(EnvConfig env, String service) {
        Optional<String> url = env.optional("DATABASE_URL");
        if (url.isPresent() && !url.get().startsWith("jdbc:")) {
            env.problem("DATABASE_URL must be a JDBC URL such as jdbc:postgresql://db:5432/orders (it starts with"
                    + " 'jdbc:'); unset it for the embedded H2 file");
        }
        Optional<String> username = env.optional("DATABASE_USERNAME");
        Optional<Secret> password = env.optional("DATABASE_PASSWORD").map(p -> Secret.of("database-password", p));
        boolean migrate = env.bool("DATABASE_MIGRATE", true);
        int poolSize = env.integer("DATABASE_POOL_SIZE", 10, 1, 1000);
        return new DatabaseSettings(url.orElseGet(() -> embeddedUrl(service)), username, password, url.isEmpty(),
                migrate, poolSize);
    }

    /**
     * An H2 file in PostgreSQL mode under the working directory. {@code AUTO_SERVER=TRUE} lets a second local
     * process open the same file (the first one serves it over TCP), as two replicas on one machine would.
     * {@code WRITE_DELAY=0} writes each commit to the file before the commit returns: with H2's default (500 ms)
     * a killed process loses the commits of its last half second or so, which the inbox had already acked to the
     * broker (ConsumerCrashIT on H2 lost about 370 orders per {@code kill -9}).
     */
    static String embeddedUrl(String service) {
        return "jdbc:h2:file:./data/" + service + ";" + H2_OPTIONS + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
    }

    /** The same settings with the credentials Vault gave. */
    public DatabaseSettings withCredentials(String username, Secret password) {
        return new DatabaseSettings(jdbcUrl, Optional.of(username), Optional.of(password), embedded, migrate, poolSize);
    }

    /** The URL for log lines: a password in its query or user info is replaced by {@code ***}. */
    public String describeTarget() {
        return redact(jdbcUrl);
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***")
                .replaceAll("//([^/:@]+):[^@/]*@", "//$1:***@");
    }

    @Override
    public String toString() {
        return "DatabaseSettings[url=" + describeTarget() + ", username=" + username.orElse("-") + ", password="
                + (password.isPresent() ? "***" : "-") + ", migrate=" + migrate + ", poolSize=" + poolSize + "]";
    }
}
