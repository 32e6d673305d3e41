package io.github.microkit.secrets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/** One file per secret, as Kubernetes mounts a Secret and as Vault Agent renders one file per template. */
final class DirectorySource implements SecretSource {

    // no separators, no leading dot: a name can never escape the directory or hit Kubernetes' ..data links
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private final Path directory;

    DirectorySource(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    @Override
    public Optional<Secret> find(String name) {
        Objects.requireNonNull(name, "name");
        if (!SAFE_NAME.matcher(name).matches()) {
            throw SecretAccessException.of(SecretAccessException.Reason.INVALID, describe(), name,
                    "a file secret's name is letters, digits, '.', '_' and '-', not starting with '.'");
        }
        Path file = directory.resolve(name);
        try {
            return Optional.of(Secret.of(name, stripTrailingNewline(Files.readString(file, StandardCharsets.UTF_8))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw SecretAccessException.unreadable(describe(), name, e);
        }
    }

    /** Editors and {@code echo} add a final newline that is not part of the secret. */
    static String stripTrailingNewline(String content) {
        int end = content.length();
        while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r')) {
            end--;
        }
        return content.substring(0, end);
    }

    @Override
    public String describe() {
        return "files in " + directory;
    }

    @Override
    public String toString() {
        return "SecretSource[" + describe() + "]";
    }
}
