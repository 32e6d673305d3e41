package io.github.microkit.vault.emulator;

import java.util.List;

/** An error answered as Vault does: the status and {@code {"errors":[...]}}. Messages never carry values. */
final class ApiError extends RuntimeException {

    static final String PERMISSION_DENIED = "1 error occurred:\n\t* permission denied\n\n";

    private final int status;
    private final List<String> errors;

    ApiError(int status, List<String> errors) {
        super(status + " " + errors, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    static ApiError of(int status, String message) {
        return new ApiError(status, List.of(message));
    }

    static ApiError badRequest(String message) {
        return of(400, message);
    }

    static ApiError permissionDenied() {
        return of(403, PERMISSION_DENIED);
    }

    /** Vault's 404 for a path without data: an empty error list. */
    static ApiError notFound() {
        return new ApiError(404, List.of());
    }

    static ApiError unsupportedPath(String path) {
        return of(404, "1 error occurred:\n\t* unsupported path\n\n");
    }

    static ApiError unsupportedOperation() {
        return of(405, "1 error occurred:\n\t* unsupported operation\n\n");
    }

    int status() {
        return status;
    }

    List<String> errors() {
        return errors;
    }
}
