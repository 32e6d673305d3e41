package io.github.microkit.vault.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What a handler answers, before it gets Vault's envelope: data, a lease, an auth block, warnings,
 * or nothing (204). A raw body is for the few endpoints that answer without the envelope (sys/health).
 */
final class Response {

    int status = 200;
    JsonNode data;
    String leaseId = "";
    boolean renewable;
    long leaseDuration;
    ObjectNode auth;
    final List<String> warnings = new ArrayList<>();
    JsonNode raw;
    boolean noContent;
    /** Vault's older sys endpoints repeat the data's entries at the top level of the body. */
    boolean topLevel;

    static Response data(JsonNode data) {
        Response r = new Response();
        r.data = data;
        return r;
    }

    static Response noContent() {
        Response r = new Response();
        r.status = 204;
        r.noContent = true;
        return r;
    }

    static Response raw(int status, JsonNode body) {
        Response r = new Response();
        r.status = status;
        r.raw = body;
        return r;
    }

    static Response auth(ObjectNode auth) {
        Response r = new Response();
        r.auth = auth;
        return r;
    }

    Response status(int s) {
        this.status = s;
        return this;
    }

    Response warning(String w) {
        warnings.add(w);
        return this;
    }
}
