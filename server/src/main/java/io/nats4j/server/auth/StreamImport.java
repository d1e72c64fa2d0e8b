package io.nats4j.server.auth;

import io.nats4j.server.connection.ImportRelay;

/**
 * A stream import: an internal subscription on the imported subject in the exporting account; every
 * message there is re-published into the importing account under the mapped subject, reply unchanged.
 */
final class StreamImport extends ImportRelay {

    private final Account importer;
    private final SubjectMapping mapping;

    StreamImport(Account importer, SubjectMapping mapping) {
        this.importer = importer;
        this.mapping = mapping;
    }

    @Override
    public boolean relay(byte[] subj, int subjOff, int subjLen, byte[] reply, int replyOff, int replyLen,
            Destination out) {
        out.target(importer);
        mapping.apply(subj, subjOff, subjLen, out);
        out.reply(reply, replyOff, replyLen);
        return true;
    }
}
