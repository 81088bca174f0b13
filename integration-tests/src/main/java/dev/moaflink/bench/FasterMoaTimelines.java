package dev.moaflink.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moaflink.deploy.Timeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Timelines of the first queries of the tree and all-mechanisms variants, drawn by the deploy module's Timeline
 * (HTML and PNG). Every variant answered the same query ids, so the charts show the same questions side by side.
 */
final class FasterMoaTimelines {

    /** The variants whose timelines are drawn: the baseline tree and the all-mechanisms one. */
    private static final List<String> VARIANTS = List.of("tree", "bypass-067");
    private static final Pattern TRAILING_NUMBER = Pattern.compile("(\\d{1,18})$");

    private FasterMoaTimelines() {}

    /** Draws them for one engine; returns the files written, relative to {@code root}. */
    static List<String> draw(Path root, EngineRun run, int queries) {
        List<String> written = new ArrayList<>();
        if (queries <= 0) {
            return written;
        }
        for (String slug : VARIANTS) {
            VariantOutcome o = run.get(slug);
            if (o == null) {
                continue;
            }
            try {
                List<String> ids = new ArrayList<>();
                for (JsonNode a : VariantOutcome.readAnswers(o.answers())) {
                    ids.add(a.get("query_id").asText());
                }
                ids.sort(FasterMoaTimelines::byNumericSuffix);
                String first = String.join(",", ids.subList(0, Math.min(queries, ids.size())));
                for (String ext : List.of(".html", ".png")) {
                    Path out = root.resolve("target/bench/faster-moa-" + run.engine() + "-" + slug + ext);
                    Timeline.main(new String[] {o.answers().toString(), "--out", out.toString(), "--ids", first});
                    written.add(root.relativize(out).toString());
                }
            } catch (Exception e) {
                System.out.println("[faster-moa] no timeline for " + run.engine() + " " + slug + ": " + e);
            }
        }
        return written;
    }

    /** Query ids in their numeric order (sim-2 before sim-10), ids without a number last. */
    private static int byNumericSuffix(String a, String b) {
        int c = Long.compare(suffix(a), suffix(b));
        return c != 0 ? c : a.compareTo(b);
    }

    private static long suffix(String id) {
        Matcher m = TRAILING_NUMBER.matcher(id);
        return m.find() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }
}
