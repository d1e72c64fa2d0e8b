package io.nats4j.server.connection;

import io.nats4j.server.subject.Subscription;
import java.util.Arrays;

/**
 * The peers one message matched during its fan-out, with the subscriptions of each (plain ones and the queue
 * members chosen): {@link FanOut} hands each peer its list once, when the message's fan-out ends. Grows, then
 * is reused: no allocation per message. One publisher's thread only.
 */
final class PeerBatch {

    PeerConnection[] peer = new PeerConnection[4];
    Subscription[][] subs = new Subscription[4][];
    int[] count = new int[4];
    int peers;

    void add(PeerConnection p, Subscription sub) {
        int i = 0;
        while (i < peers && peer[i] != p) {
            i++;
        }
        if (i == peers) {
            if (peers == peer.length) {
                peer = Arrays.copyOf(peer, peers * 2);
                subs = Arrays.copyOf(subs, peers * 2);
                count = Arrays.copyOf(count, peers * 2);
            }
            peer[i] = p;
            count[i] = 0;
            peers++;
        }
        Subscription[] list = subs[i];
        if (list == null) {
            list = subs[i] = new Subscription[4];
        } else if (count[i] == list.length) {
            list = subs[i] = Arrays.copyOf(list, list.length * 2);
        }
        list[count[i]++] = sub;
    }

    void clear() {
        for (int i = 0; i < peers; i++) {
            Arrays.fill(subs[i], 0, count[i], null);
            peer[i] = null;
        }
        peers = 0;
    }
}
