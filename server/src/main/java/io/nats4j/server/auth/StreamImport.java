package io.nats4j.server.auth;

/**
 * A stream import: an internal subscription on the imported subject in the exporting account; every
 * message there is re-published into the importing account under the mapped subject, reply unchanged.
 */
final class StreamImport extends Relay {

    private final Account importer;
    private final SubjectMapping mapping;

    StreamImport(Account importer, SubjectMapping mapping) {
        this.importer = importer;
        this.mapping = mapping;
    }

    @Override
    public Routed route(String subject, String reply) {
        return new Routed(importer, bytes(mapping.apply(subject)), bytes(reply));
    }
}
