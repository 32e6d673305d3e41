package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One API request after routing: the full path (without {@code /v1/}), the path inside its mount,
 * the operation, the parameters (JSON body, or query parameters for reads) and the caller's token.
 */
final class Request {

    final String id;
    final String method;
    final String path;
    Operation operation;
    final ObjectNode data;
    final Map<String, List<String>> headers;
    final String remoteAddress;
    final int remotePort;
    Mount mount;
    String subPath = "";
    Token token;

    Request(String id, String method, String path, Operation operation, ObjectNode data,
            Map<String, List<String>> headers, String remoteAddress, int remotePort) {
        this.id = id;
        this.method = method;
        this.path = path;
        this.operation = operation;
        this.data = data;
        this.headers = headers;
        this.remoteAddress = remoteAddress;
        this.remotePort = remotePort;
    }

    Optional<Token> token() {
        return Optional.ofNullable(token);
    }

    /** The authenticated caller; only called by handlers behind the ACL check. */
    Token caller() {
        if (token == null) {
            throw ApiError.permissionDenied();
        }
        return token;
    }

    @Override
    public String toString() {
        return "Request[" + method + " " + path + "]";
    }
}
