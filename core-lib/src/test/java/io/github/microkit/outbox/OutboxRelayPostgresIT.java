package io.github.microkit.outbox;

import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class OutboxRelayPostgresIT extends OutboxRelayContract {

    @RegisterExtension
    static final TestDatabase DATABASE = TestDatabase.postgres();

    @Override
    TestDatabase database() {
        return DATABASE;
    }
}
