package io.github.microkit.vault.emulator;

/** Vault's logical operations, which policies grant as capabilities of the same name. */
enum Operation {
    READ("read"), LIST("list"), CREATE("create"), UPDATE("update"), DELETE("delete"), PATCH("patch");

    private final String wire;

    Operation(String wire) {
        this.wire = wire;
    }

    String wire() {
        return wire;
    }

    boolean isWrite() {
        return this == CREATE || this == UPDATE;
    }
}
