package io.github.microkit.outbox;

import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class IdempotencyH2Test extends IdempotencyContract {

    @RegisterExtension
    static final TestDatabase DATABASE = TestDatabase.h2();

    @Override
    TestDatabase database() {
        return DATABASE;
    }
}
