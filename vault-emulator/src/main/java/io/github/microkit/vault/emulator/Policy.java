package io.github.microkit.vault.emulator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An ACL policy parsed from the subset of HCL that Vault policies use:
 * {@code path "glob" { capabilities = ["read", ...] }}, comments ({@code #}, {@code //}, {@code /* *}{@code /})
 * and other attributes (parsed, then ignored: parameter constraints are not emulated).
 */
final class Policy {

    static final Set<String> CAPABILITIES = Set.of("create", "read", "update", "patch", "delete", "list", "sudo",
            "deny", "subscribe", "recover");

    /** One {@code path} block. */
    record Rule(String pattern, Set<String> capabilities) {
    }

    final String name;
    final String text;
    final List<Rule> rules;

    private Policy(String name, String text, List<Rule> rules) {
        this.name = name;
        this.text = text;
        this.rules = List.copyOf(rules);
    }

    static Policy parse(String name, String text) {
        return new Policy(name, text, new Parser(text).policy());
    }

    /** Vault's built-in default policy: a token may look up, renew and revoke itself and renew its leases. */
    static Policy defaultPolicy() {
        return parse("default", """
                # Allow tokens to look up their own properties
                path "auth/token/lookup-self" {
                    capabilities = ["read"]
                }
                # Allow tokens to renew themselves
                path "auth/token/renew-self" {
                    capabilities = ["update"]
                }
                # Allow tokens to revoke themselves
                path "auth/token/revoke-self" {
                    capabilities = ["update"]
                }
                # Allow a token to look up its own capabilities on a path
                path "sys/capabilities-self" {
                    capabilities = ["update"]
                }
                # Allow a token to renew a lease via lease_id in the request body
                path "sys/renew" {
                    capabilities = ["update"]
                }
                path "sys/leases/renew" {
                    capabilities = ["update"]
                }
                # Allow looking up lease properties
                path "sys/leases/lookup" {
                    capabilities = ["update"]
                }
                """);
    }

    private static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        List<Rule> policy() {
            List<Rule> rules = new ArrayList<>();
            skip();
            while (i < s.length()) {
                String key = identOrString();
                skip();
                if (key.equals("path")) {
                    String pattern = string();
                    skip();
                    expect('{');
                    rules.add(new Rule(pattern, pathBody(pattern)));
                } else {
                    // e.g. a top-level attribute we do not emulate
                    if (peek() == '=') {
                        i++;
                    }
                    value();
                }
                skip();
            }
            return rules;
        }

        private Set<String> pathBody(String pattern) {
            Set<String> caps = new LinkedHashSet<>();
            boolean sawCapabilities = false;
            skip();
            while (peek() != '}') {
                if (i >= s.length()) {
                    throw error("unterminated block for path \"" + pattern + "\"");
                }
                String key = identOrString();
                skip();
                if (peek() == '=') {
                    i++;
                }
                skip();
                Object v = value();
                if (key.equals("capabilities")) {
                    sawCapabilities = true;
                    if (!(v instanceof List<?> list)) {
                        throw error("capabilities of path \"" + pattern + "\" must be a list");
                    }
                    for (Object c : list) {
                        String cap = String.valueOf(c).toLowerCase();
                        if (!CAPABILITIES.contains(cap)) {
                            throw error("invalid capability \"" + cap + "\" for path \"" + pattern + "\"");
                        }
                        caps.add(cap);
                    }
                } else if (key.equals("policy")) {
                    // The pre-0.9 shorthand: policy = "read" | "write" | "deny" | "sudo".
                    sawCapabilities = true;
                    switch (String.valueOf(v)) {
                        case "deny" -> caps.add("deny");
                        case "read" -> caps.addAll(List.of("read", "list"));
                        case "write" -> caps.addAll(List.of("create", "read", "update", "delete", "list"));
                        case "sudo" -> caps.addAll(List.of("create", "read", "update", "delete", "list", "sudo"));
                        default -> throw error("invalid policy \"" + v + "\" for path \"" + pattern + "\"");
                    }
                }
                skip();
                if (peek() == ',') {
                    i++;
                    skip();
                }
            }
            i++;
            if (!sawCapabilities) {
                throw error("path \"" + pattern + "\": no capabilities");
            }
            return caps;
        }

        private Object value() {
            skip();
            char c = peek();
            if (c == '"') {
                return string();
            }
            if (c == '[') {
                i++;
                List<Object> list = new ArrayList<>();
                skip();
                while (peek() != ']') {
                    if (i >= s.length()) {
                        throw error("unterminated list");
                    }
                    list.add(value());
                    skip();
                    if (peek() == ',') {
                        i++;
                        skip();
                    }
                }
                i++;
                return list;
            }
            if (c == '{') {
                i++;
                skip();
                while (peek() != '}') {
                    if (i >= s.length()) {
                        throw error("unterminated object");
                    }
                    identOrString();
                    skip();
                    if (peek() == '=' || peek() == ':') {
                        i++;
                    }
                    value();
                    skip();
                    if (peek() == ',') {
                        i++;
                        skip();
                    }
                }
                i++;
                return null;
            }
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || "._-".indexOf(s.charAt(i)) >= 0)) {
                i++;
            }
            if (start == i) {
                throw error("unexpected '" + c + "'");
            }
            return s.substring(start, i);
        }

        private String identOrString() {
            if (peek() == '"') {
                return string();
            }
            int start = i;
            while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == '-')) {
                i++;
            }
            if (start == i) {
                throw error("expected a name, found '" + peek() + "'");
            }
            return s.substring(start, i);
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (i < s.length() && s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\' && i < s.length()) {
                    char n = s.charAt(i++);
                    b.append(switch (n) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> n;
                    });
                } else if (c == '\n') {
                    throw error("newline in string");
                } else {
                    b.append(c);
                }
            }
            expect('"');
            return b.toString();
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void skip() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#' || (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/')) {
                    while (i < s.length() && s.charAt(i) != '\n') {
                        i++;
                    }
                } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                    int end = s.indexOf("*/", i + 2);
                    i = end < 0 ? s.length() : end + 2;
                } else {
                    return;
                }
            }
        }

        private ApiError error(String what) {
            int line = 1;
            for (int k = 0; k < Math.min(i, s.length()); k++) {
                if (s.charAt(k) == '\n') {
                    line++;
                }
            }
            return ApiError.badRequest("failed to parse policy: At " + line + ": " + what);
        }
    }
}
