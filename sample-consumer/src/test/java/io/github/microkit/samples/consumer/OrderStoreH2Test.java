package io.github.microkit.samples.consumer;

import io.github.microkit.testing.database.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

class OrderStoreH2Test extends OrderStoreContract {

    @RegisterExtension
    static final TestDatabase DATABASE = TestDatabase.h2();

    @Override
    TestDatabase database() {
        return DATABASE;
    }
}
