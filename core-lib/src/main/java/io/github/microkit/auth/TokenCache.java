package io.github.microkit.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Verified tokens by SHA-256 of the token, so a repeated token skips the signature check. The token itself
 * is never stored. An entry lives until the earlier of the token's {@code exp} and a maximum age; the
 * caller re-checks the time claims on every hit. Bounded: when full, expired entries go first, then
 * arbitrary ones (a cache miss only costs a signature check).
 */
final class TokenCache {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    });

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;
    private final long maxAgeMillis;

    TokenCache(int maxEntries, Duration maxAge) {
        this.maxEntries = maxEntries;
        this.maxAgeMillis = maxAge.toMillis();
    }

    /** The cached token, if present and its entry not yet past its deadline. */
    VerifiedToken get(String token, long nowMillis) {
        Key key = key(token);
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (nowMillis >= entry.deadlineMillis) {
            entries.remove(key, entry);
            return null;
        }
        return entry.token;
    }

    void put(String token, VerifiedToken verified, long nowMillis) {
        long deadline = Math.min(verified.expiresAt().toEpochMilli(), nowMillis + maxAgeMillis);
        if (deadline <= nowMillis) {
            return;
        }
        if (entries.size() >= maxEntries) {
            evict(nowMillis);
        }
        entries.put(key(token), new Entry(verified, deadline));
    }

    int size() {
        return entries.size();
    }

    private void evict(long nowMillis) {
        entries.values().removeIf(e -> nowMillis >= e.deadlineMillis);
        // Still full: drop about a tenth, so eviction work is paid once per many inserts.
        int excess = entries.size() - maxEntries + Math.max(1, maxEntries / 10);
        Iterator<Key> it = entries.keySet().iterator();
        while (excess-- > 0 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static Key key(String token) {
        MessageDigest digest = SHA256.get();
        // Latin-1 is injective on the characters a cacheable (valid) token can hold; anything else becomes
        // "?", which no valid token contains, so a hostile token cannot hash like a cached one.
        byte[] hash = digest.digest(token.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.wrap(hash);
        return new Key(b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }

    private record Key(long a, long b, long c, long d) {
    }

    private record Entry(VerifiedToken token, long deadlineMillis) {
    }
}
