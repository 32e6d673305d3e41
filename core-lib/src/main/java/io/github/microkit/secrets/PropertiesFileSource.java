package io.github.microkit.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A {@code name=value} file such as a Vault Agent template renders; re-parsed when it changes. */
final class PropertiesFileSource implements SecretSource {

    private final Path file;
    private final Object lock = new Object();
    private Snapshot snapshot;

    PropertiesFileSource(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    private record Snapshot(FileTime modified, long size, Map<String, String> values) {
    }

    @Override
    public Optional<Secret> find(String name) {
        Objects.requireNonNull(name, "name");
        Map<String, String> values;
        try {
            values = current();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw SecretAccessException.unreadable(describe(), name, e);
        }
        return Optional.ofNullable(values.get(name)).map(v -> Secret.of(name, v));
    }

    private Map<String, String> current() throws IOException {
        synchronized (lock) {
            FileTime modified = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (snapshot == null || !snapshot.modified().equals(modified) || snapshot.size() != size) {
                snapshot = new Snapshot(modified, size, parse(Files.readString(file, StandardCharsets.UTF_8)));
            }
            return snapshot.values();
        }
    }

    /**
     * {@code name=value} per line, split at the first {@code =}; blank lines and {@code #} comments skipped.
     * Unlike {@link java.util.Properties} there are no escapes: a backslash in a password stays a backslash.
     */
    static Map<String, String> parse(String content) {
        Map<String, String> values = new HashMap<>();
        for (String line : content.split("\r?\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue; // not a name=value line; never echoed, it may be a value
            }
            String name = line.substring(0, eq).strip();
            if (name.startsWith("export ")) {
                name = name.substring("export ".length()).strip();
            }
            values.put(name, line.substring(eq + 1));
        }
        return Map.copyOf(values);
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public String toString() {
        return "SecretSource[" + describe() + "]";
    }
}
