package io.github.microkit.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microkit.outbox.IdempotencyOutcome.Kind;
import io.github.microkit.testing.database.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP idempotency keys on each database ({@code IdempotencyPostgresIT}, {@code IdempotencyH2Test}): the first
 * request with a key wins, its response is replayed, another body with the same key is refused.
 */
abstract class IdempotencyContract {

    abstract TestDatabase database();

    private DataSource dataSource;
    private IdempotencyStore keys;
    private final String hashA = IdempotencyStore.requestHash(bytes("{\"customerId\":\"c-1\"}"));
    private final String hashB = IdempotencyStore.requestHash(bytes("{\"customerId\":\"c-2\"}"));
    private final StoredResponse accepted = StoredResponse.json(202, "{\"orderId\":\"o-1\",\"messageId\":\"m-1\"}");

    @BeforeEach
    void setUp() {
        dataSource = database().dataSource();
        Db.reset(dataSource);
        keys = IdempotencyStore.create(dataSource);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void concurrentFirstRequestsWithOneKeyGiveExactlyOneNew() throws Exception {
        int requests = 8;
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<IdempotencyOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return keys.begin("key-1", hashA);
                }));
            }
            start.countDown();
            List<Kind> kinds = new ArrayList<>();
            for (Future<IdempotencyOutcome> outcome : outcomes) {
                kinds.add(outcome.get(20, TimeUnit.SECONDS).kind());
            }
            assertThat(kinds).filteredOn(k -> k == Kind.NEW).hasSize(1);
            assertThat(kinds).filteredOn(k -> k != Kind.NEW).containsOnly(Kind.IN_PROGRESS);
        } finally {
            pool.shutdownNow();
        }
        keys.complete("key-1", accepted);
        IdempotencyOutcome retry = keys.begin("key-1", hashA);
        assertThat(retry.kind()).isEqualTo(Kind.REPLAY);
        assertThat(retry.response()).contains(accepted);
        assertThat(retry.response().orElseThrow().bodyText()).contains("o-1");
    }

    @Test
    void theSameKeyWithAnotherRequestIsAMismatch() {
        assertThat(keys.begin("key-2", hashA).kind()).isEqualTo(Kind.NEW);
        assertThat(keys.begin("key-2", hashB).kind()).as("while in progress").isEqualTo(Kind.MISMATCH);
        keys.complete("key-2", accepted);
        assertThat(keys.begin("key-2", hashB).kind()).as("once complete").isEqualTo(Kind.MISMATCH);
        assertThat(keys.begin("key-2", hashA).kind()).isEqualTo(Kind.REPLAY);
    }

    @Test
    void aDuplicateWhileTheFirstRunsIsInProgressWithRetryAfterAndAnAbandonedKeyMayBeRetried() {
        assertThat(keys.begin("key-3", hashA).kind()).isEqualTo(Kind.NEW);
        IdempotencyOutcome duplicate = keys.begin("key-3", hashA);
        assertThat(duplicate.kind()).isEqualTo(Kind.IN_PROGRESS);
        assertThat(duplicate.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(keys.begin("key-3", hashA, Duration.ofMillis(200)).kind()).as("waited briefly, still running")
                .isEqualTo(Kind.IN_PROGRESS);

        keys.abandon("key-3"); // the first request failed (say the broker was away): a retry must do the work
        assertThat(keys.begin("key-3", hashA).kind()).isEqualTo(Kind.NEW);
        keys.complete("key-3", accepted);
        keys.abandon("key-3");
        assertThat(keys.begin("key-3", hashA).kind()).as("a completed key is never abandoned").isEqualTo(Kind.REPLAY);
    }

    @Test
    void anOwnerThatCrashedHoldsItsKeyOnlyUntilItsLockTimesOut() {
        IdempotencyStore shortLocks = IdempotencyStore.create(dataSource, IdempotencyConfig.builder()
                .lockTimeout(Duration.ofMillis(300)).build());
        assertThat(shortLocks.begin("key-4", hashA).kind()).isEqualTo(Kind.NEW);
        // ... its owner dies without complete or abandon
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> shortLocks.begin("key-4", hashA).kind() == Kind.NEW);
        assertThat(shortLocks.begin("key-4", hashA).kind()).as("the new owner holds it now")
                .isEqualTo(Kind.IN_PROGRESS);
    }

    @Test
    void inTheCallersTransactionARollbackForgetsTheKeyAndACommitStoresKeyAndResponseTogether() throws Exception {
        try (Connection tx = dataSource.getConnection()) {
            tx.setAutoCommit(false);
            assertThat(keys.begin(tx, "key-5", hashA).kind()).isEqualTo(Kind.NEW);
            tx.createStatement().execute("insert into test_order (id) values ('o-5')");
            keys.complete(tx, "key-5", accepted);
            tx.rollback(); // the order failed: no key, no order
            assertThat(keys.begin(tx, "key-5", hashA).kind()).isEqualTo(Kind.NEW);
            tx.createStatement().execute("insert into test_order (id) values ('o-5')");
            keys.complete(tx, "key-5", accepted);
            tx.commit();
            tx.setAutoCommit(true);
        }
        assertThat(Db.count(dataSource, "select count(*) from test_order")).isEqualTo(1);
        assertThat(keys.begin("key-5", hashA).response()).contains(accepted);
    }

    @Test
    void inTheCallersTransactionAConcurrentDuplicateWaitsForTheCommitAndReplaysItsResponse() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection first = dataSource.getConnection()) {
            first.setAutoCommit(false);
            assertThat(keys.begin(first, "key-6", hashA).kind()).isEqualTo(Kind.NEW);
            Callable<IdempotencyOutcome> duplicate = () -> {
                try (Connection second = dataSource.getConnection()) {
                    second.setAutoCommit(false);
                    IdempotencyOutcome outcome = keys.begin(second, "key-6", hashA);
                    second.commit();
                    return outcome;
                }
            };
            Future<IdempotencyOutcome> waiting = pool.submit(duplicate);
            keys.complete(first, "key-6", accepted);
            first.commit();
            IdempotencyOutcome outcome = waiting.get(20, TimeUnit.SECONDS);
            // PostgreSQL waits on the key's row and sees the committed response; a database that answers before the
            // commit says IN_PROGRESS: either way never a second NEW
            assertThat(outcome.kind()).isIn(Kind.REPLAY, Kind.IN_PROGRESS);
            if (database().kind() == TestDatabase.Kind.POSTGRESQL) {
                assertThat(outcome.kind()).isEqualTo(Kind.REPLAY);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void expiredKeysArePurgedAndNoLongerReplayed() {
        IdempotencyStore shortLived = IdempotencyStore.create(dataSource, IdempotencyConfig.builder()
                .keyTtl(Duration.ofSeconds(1)).lockTimeout(Duration.ofMillis(500)).build());
        assertThat(shortLived.begin("key-7", hashA).kind()).isEqualTo(Kind.NEW);
        shortLived.complete("key-7", accepted);
        assertThat(keys.begin("key-8", hashA).kind()).isEqualTo(Kind.NEW);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> Db.count(dataSource, "select count(*) from microkit_idempotency_key"
                        + " where expires_at < current_timestamp") == 1);
        assertThat(keys.purgeExpired()).isEqualTo(1);
        assertThat(keys.begin("key-7", hashB).kind()).as("the key is free again").isEqualTo(Kind.NEW);
        assertThat(keys.begin("key-8", hashA).kind()).as("a day-long key is kept").isEqualTo(Kind.IN_PROGRESS);
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> keys.begin("", hashA)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 512");
        assertThatThrownBy(() -> keys.complete("never-begun", accepted)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not in progress");
        assertThatThrownBy(() -> new StoredResponse(42, "text/plain", new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IdempotencyConfig.builder().keyTtl(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(IdempotencyConfig.defaults().keyTtl()).as("the contract keeps keys 24 h")
                .isGreaterThanOrEqualTo(Duration.ofHours(24));
        assertThat(IdempotencyStore.requestHash(bytes("ab"), bytes("c")))
                .isNotEqualTo(IdempotencyStore.requestHash(bytes("a"), bytes("bc")));
    }
}
