package io.nats4j.server.auth;

import io.nats4j.server.connection.ImportRelay;
import java.time.Duration;

/**
 * A service import: an internal subscription on the local subject in the importing account; a request
 * there is re-published into the exporting account on the exported subject, its reply subject replaced by
 * a {@code _R_.} subject that the exporter maps back to the requester.
 */
final class ServiceImport extends ImportRelay {

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
    public boolean relay(byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff, int replyLen,
            Destination out) {
        out.target(exporter);
        mapping.apply(subj, subjOff, subjLen, out);
        if (replyLen < 0) {
            out.noReply();
        } else {
            exporter.mapReply(importer, reply, replyOff, replyLen, responseType, threshold, out);
        }
        return true;
    }
}
