package io.github.microkit.outbox;

import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class InboxH2IT extends InboxContract {

    @RegisterExtension
    static final TestDatabase DATABASE = TestDatabase.h2();

    @Override
    TestDatabase database() {
        return DATABASE;
    }
}
