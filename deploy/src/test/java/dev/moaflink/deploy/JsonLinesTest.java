package dev.moaflink.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class JsonLinesTest {

    @Test
    void skipsBlankLinesNumbersTheRestAndStopsWhenTold() throws Exception {
        List<String> seen = new ArrayList<>();
        JsonLines.read(new BufferedReader(new StringReader("{\"a\":1}\n\n  \n{\"a\":2}\n{\"a\":3}\nnot json\n")),
                (n, j) -> {
                    seen.add(n + ":" + j.get("a").asInt());
                    return seen.size() < 2;
                }, (n, e) -> new IllegalStateException("line " + n));
        assertEquals(List.of("1:1", "4:2"), seen, "stopped after the second, before the bad line");
    }

    @Test
    void aLineThatIsNotJsonFailsWithTheCallersError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonLines.read(
                new BufferedReader(new StringReader("{}\n{oops\n")), (n, j) -> true,
                (n, cause) -> new IllegalArgumentException("queries.jsonl:" + n, cause)));
        assertEquals("queries.jsonl:2", e.getMessage());
    }
}
