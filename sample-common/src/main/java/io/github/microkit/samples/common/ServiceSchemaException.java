package io.github.microkit.samples.common;

import io.github.microkit.MicrokitException;
import io.github.microkit.outbox.SchemaException;

/**
 * The service's own tables (not microkit's: those raise {@link SchemaException}) are missing, older or newer than
 * the service's code. {@link #problem()} says which, the message how to fix it.
 */
public final class ServiceSchemaException extends MicrokitException {

    private final SchemaException.Problem problem;

    ServiceSchemaException(SchemaException.Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public SchemaException.Problem problem() {
        return problem;
    }
}
