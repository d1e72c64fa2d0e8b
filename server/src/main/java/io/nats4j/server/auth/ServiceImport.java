package io.nats4j.server.auth;

import java.time.Duration;

/**
 * A service import: an internal subscription on the local subject in the importing account; a request
 * there is re-published into the exporting account on the exported subject, its reply subject replaced by
 * a {@code _R_.} subject that the exporter maps back to the requester.
 */
final class ServiceImport extends Relay {

    private final Account importer;
    private final Account exporter;
    private final SubjectMapping mapping;
    private final AccountConfig.ResponseType responseType;
    private final Duration threshold;

    ServiceImport(Account importer, Account exporter, SubjectMapping mapping, AccountConfig.ResponseType responseType,
            Duration threshold) {
        this.importer = importer;
        this.exporter = exporter;
        this.mapping = mapping;
        this.responseType = responseType;
        this.threshold = threshold;
    }

    @Override
    public Routed route(String subject, String reply) {
        String mappedReply = reply == null ? null : exporter.mapReply(importer, reply, responseType, threshold);
        return new Routed(exporter, bytes(mapping.apply(subject)), bytes(mappedReply));
    }
}
