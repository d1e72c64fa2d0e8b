package io.nats4j.server.jetstream.store;

/** The store contract on memory storage. */
class MemoryStreamStoreTest extends StreamStoreContractTest {

    @Override
    protected Storage openStorage() {
        return new MemoryStorage(clock::get);
    }

    @Override
    protected Storage reopen(Storage current) {
        return current; // memory storage lives as long as the process
    }
}
