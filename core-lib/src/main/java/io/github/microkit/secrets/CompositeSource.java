package io.github.microkit.secrets;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** First source that has the name wins; a source that cannot tell stops the lookup. */
final class CompositeSource implements SecretSource {

    private final List<SecretSource> sources;

    CompositeSource(List<SecretSource> sources) {
        this.sources = sources;
    }

    @Override
    public Optional<Secret> find(String name) {
        Objects.requireNonNull(name, "name");
        for (SecretSource source : sources) {
            Optional<Secret> found = source.find(name);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    @Override
    public String describe() {
        return sources.stream().map(SecretSource::describe).collect(Collectors.joining(", then ", "first of: ", ""));
    }

    @Override
    public String toString() {
        return "SecretSource[" + describe() + "]";
    }
}
