package io.github.microkit.samples.consumer;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OrderStoreTest {

    private static OrderPlaced order(String id) {
        return new OrderPlaced(id, "c-1", List.of(new OrderPlaced.Item("S", 1, "1.00")), "2026-01-01T00:00:00Z");
    }

    @Test
    void anOrderDeliveredTwiceIsStoredOnce() {
        OrderStore store = new OrderStore();

        assertThat(store.save(order("o-1"), "trace-a", Instant.EPOCH)).isTrue();
        assertThat(store.save(order("o-1"), "trace-b", Instant.EPOCH.plusSeconds(1))).isFalse();

        assertThat(store.size()).isEqualTo(1);
        assertThat(store.find("o-1")).get().extracting(OrderStore.StoredOrder::traceId).isEqualTo("trace-a");
    }

    @Test
    void pagesFollowArrivalOrderAndTheCursorIsTheLastOrderIdOfAPage() {
        OrderStore store = new OrderStore();
        for (String id : List.of("o-1", "o-2", "o-3")) {
            store.save(order(id), "t", Instant.EPOCH);
        }

        OrderStore.Page first = store.page(Optional.empty(), 2);
        OrderStore.Page second = store.page(first.next(), 2);

        assertThat(first.items()).extracting(OrderStore.StoredOrder::orderId).containsExactly("o-1", "o-2");
        assertThat(first.next()).contains("o-2");
        assertThat(second.items()).extracting(OrderStore.StoredOrder::orderId).containsExactly("o-3");
        assertThat(second.next()).isEmpty();
        assertThatThrownBy(() -> store.page(Optional.of("unknown"), 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
