package io.github.microkit.vault.emulator;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The merged rules of a token's policies, answering "may this operation run on this path?" with
 * Vault's precedence: an exact path beats a glob; among globs the one whose first wildcard comes later,
 * then one not ending in {@code *}, then fewer {@code +} segments, then the longer, then the
 * lexicographically greater wins. Rules for the same pattern from several policies are merged; {@code deny} wins.
 */
final class Acl {

    private final Map<String, Set<String>> rules = new LinkedHashMap<>();

    Acl(Collection<Policy> policies) {
        for (Policy p : policies) {
            for (Policy.Rule r : p.rules) {
                rules.computeIfAbsent(r.pattern(), k -> new LinkedHashSet<>()).addAll(r.capabilities());
            }
        }
    }

    /** The capabilities of the best-matching rule, or empty when no rule matches. */
    Set<String> capabilities(String path) {
        Optional<String> best = Optional.empty();
        for (String pattern : rules.keySet()) {
            if (matches(pattern, path) && (best.isEmpty() || morePrecise(pattern, best.get()))) {
                best = Optional.of(pattern);
            }
        }
        Set<String> caps = best.map(rules::get).orElse(Set.of());
        return caps.contains("deny") ? Set.of("deny") : caps;
    }

    boolean allows(String path, Operation op, boolean needsSudo) {
        Set<String> caps = capabilities(path);
        if (caps.contains("deny")) {
            return false;
        }
        if (needsSudo && !caps.contains("sudo")) {
            return false;
        }
        return caps.contains(op.wire());
    }

    /** {@code +} matches one path segment; {@code *} only at the end, matching any rest. */
    static boolean matches(String pattern, String path) {
        boolean prefix = pattern.endsWith("*");
        String p = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
        int pi = 0;
        int si = 0;
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '+' && (pi == 0 || p.charAt(pi - 1) == '/')
                    && (pi + 1 == p.length() || p.charAt(pi + 1) == '/')) {
                int end = path.indexOf('/', si);
                if (end < 0) {
                    end = path.length();
                }
                if (end == si && !(prefix && pi + 1 == p.length())) {
                    return false;
                }
                si = end;
                pi++;
                continue;
            }
            if (si >= path.length() || path.charAt(si) != c) {
                return false;
            }
            pi++;
            si++;
        }
        return prefix || si == path.length();
    }

    /** Vault's priority between two matching patterns: true when {@code a} beats {@code b}. */
    static boolean morePrecise(String a, String b) {
        int wa = firstWildcard(a);
        int wb = firstWildcard(b);
        if (wa != wb) {
            return wa > wb;
        }
        boolean sa = a.endsWith("*");
        boolean sb = b.endsWith("*");
        if (sa != sb) {
            return !sa;
        }
        long pa = plusSegments(a);
        long pb = plusSegments(b);
        if (pa != pb) {
            return pa < pb;
        }
        if (a.length() != b.length()) {
            return a.length() > b.length();
        }
        return a.compareTo(b) > 0;
    }

    private static int firstWildcard(String p) {
        int plus = p.indexOf('+');
        int star = p.endsWith("*") ? p.length() - 1 : -1;
        int first = Integer.MAX_VALUE;
        if (plus >= 0) {
            first = plus;
        }
        if (star >= 0) {
            first = Math.min(first, star);
        }
        return first;
    }

    private static long plusSegments(String p) {
        return p.chars().filter(c -> c == '+').count();
    }
}
