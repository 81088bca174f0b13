package dev.moaflink.it;

import dev.moaflink.kafka.embedded.EmbeddedKafka;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node KRaft broker for one test class: started before its first test, closed after its last.
 * Register it as {@code @RegisterExtension static final KafkaBroker BROKER = new KafkaBroker();}.
 */
final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedKafka kafka;

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka = EmbeddedKafka.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (kafka != null) {
            kafka.close();
        }
    }

    EmbeddedKafka kafka() {
        if (kafka == null) {
            throw new IllegalStateException("the broker starts before the test class's first test");
        }
        return kafka;
    }
}
