package io.github.microkit.outbox;

import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class DurableSchemaH2Test extends DurableSchemaContract {

    @RegisterExtension
    static final TestDatabase DATABASE = TestDatabase.h2();

    @Override
    TestDatabase database() {
        return DATABASE;
    }
}
