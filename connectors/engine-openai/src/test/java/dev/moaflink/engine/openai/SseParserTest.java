package dev.moaflink.engine.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The event-stream parser on the edge cases servers and proxies produce. */
@Timeout(10)
class SseParserTest {

    private final List<SseParser.Event> events = new ArrayList<>();
    private final SseParser parser = new SseParser(events::add);

    private List<String> data() {
        return events.stream().map(SseParser.Event::data).toList();
    }

    /** Feeds the stream in pieces of {@code size} bytes, as a network might deliver it. */
    private void feed(String stream, int size) {
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += size) {
            parser.feed(ByteBuffer.wrap(bytes, i, Math.min(size, bytes.length - i)).slice());
        }
    }

    @Test
    void dataLinesEndEventsAtBlankLinesAndDoneIsAnEventLikeAnyOther() {
        feed("data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n", 1000);
        assertEquals(List.of("{\"a\":1}", "{\"b\":2}", "[DONE]"), data());
        assertEquals("message", events.get(0).type());
    }

    @Test
    void commentsAreSkippedAndMultiLineDataIsJoinedWithNewlines() {
        feed(": keep-alive\n\ndata: first\n: a comment inside an event\ndata: second\ndata:third\n\n", 1000);
        assertEquals(List.of("first\nsecond\nthird"), data());
    }

    @Test
    void crlfAndLoneCrEndLinesAlsoWhenSplitBetweenReads() {
        String stream = "data: one\r\n\r\ndata: two\r\rdata: three\n\n";
        for (int size = 1; size <= 4; size++) {
            events.clear();
            SseParser p = new SseParser(events::add);
            byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < bytes.length; i += size) {
                p.feed(ByteBuffer.wrap(bytes, i, Math.min(size, bytes.length - i)).slice());
            }
            assertEquals(List.of("one", "two", "three"), data(), "pieces of " + size + " bytes");
        }
    }

    @Test
    void utf8CharactersSplitBetweenReadsAreDecodedWhole() {
        feed("data: caf\u00e9 \u2603 \uD83D\uDE00\n\n", 1);
        assertEquals(List.of("caf\u00e9 \u2603 \uD83D\uDE00"), data());
    }

    @Test
    void eventTypesFieldsWithoutValuesIdsAndRetriesAndALeadingByteOrderMark() {
        feed("\uFEFFevent: error\ndata: {\"error\":{}}\nid: 7\nretry: 100\n\ndata\n\nfoo: bar\ndata:  two spaces\n\n",
                3);
        assertEquals(List.of("{\"error\":{}}", "", " two spaces"), data());
        assertEquals("error", events.get(0).type());
        assertEquals("message", events.get(1).type(), "the type does not carry over to the next event");
    }

    @Test
    void blankLinesWithoutDataDispatchNothingAndAnUnclosedLastEventIsStillDelivered() {
        feed("\n\n\nevent: ping\n\ndata: [DONE]", 1000);
        assertEquals(List.of(), data(), "nothing before the end: the last event has no blank line yet");
        parser.end();
        assertEquals(List.of("[DONE]"), data());
    }
}
