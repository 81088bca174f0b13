package dev.moaflink.it;

import dev.moaflink.kafka.embedded.EmbeddedKafka;
import java.util.UUID;

/** A test's own queries, answers and dead-letter topics (2 partitions each), so tests sharing a broker never mix. */
record Topics(String queries, String answers, String dead) {

    static Topics fresh(EmbeddedKafka kafka) {
        String s = UUID.randomUUID().toString().substring(0, 8);
        Topics t = new Topics("q-" + s, "a-" + s, "d-" + s);
        kafka.createTopics(2, t.queries, t.answers, t.dead);
        return t;
    }
}
