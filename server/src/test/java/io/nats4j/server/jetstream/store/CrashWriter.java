package io.nats4j.server.jetstream.store;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child process of {@link RocksKillTest}: stores batches of messages and consumer acks into file
 * storage forever, printing {@code STORED <seq>} after each batch's flush (the moment a server
 * would send the acks) and {@code ACKED <seq>} after each consumer ack returns, until killed.
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.US_ASCII);
        RocksStorage storage = RocksStorage.open(dir);
        StreamStore st = storage.createStream("CRASH", StreamLimits.NONE);
        ConsumerStore c = st.consumer("C", AckPolicy.EXPLICIT);
        out.println("READY");
        long acked = c.state().ackFloorStream();
        for (long n = 0; ; n++) {
            long last = 0;
            for (int i = 0; i < batch; i++) {
                long seq = st.state().lastSeq() + 1;
                last = st.append("crash." + (n % 16), null, payload(seq), 0);
            }
            st.flush();
            out.println("STORED " + last);
            // the consumer delivers and acks the oldest stored message each round
            if (acked < last) {
                acked++;
                c.updateDelivered(acked, acked, 1, acked);
                c.updateAcks(acked, acked);
                out.println("ACKED " + acked);
            }
        }
    }

    static byte[] payload(long seq) {
        return ("message-" + seq).getBytes(StandardCharsets.US_ASCII);
    }
}
