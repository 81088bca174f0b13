package dev.moaflink.deploy;

import dev.moaflink.schema.AgentTrace;
import dev.moaflink.schema.Answer;
import dev.moaflink.schema.NodeStatus;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** One line per answer: how many agents ran at each level and how long each level's slowest took. */
public final class TraceSummary {

    private TraceSummary() {}

    public static String of(Answer a) {
        Map<NodeStatus, Integer> byStatus = new EnumMap<>(NodeStatus.class);
        Map<Integer, double[]> levels = new TreeMap<>(); // level -> {count, max end offset}
        for (AgentTrace t : a.getTrace()) {
            byStatus.merge(t.getStatus(), 1, Integer::sum);
            double[] l = levels.computeIfAbsent(t.getLevel(), k -> new double[2]);
            l[0]++;
            l[1] = Math.max(l[1], t.getEndOffsetMs());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(a.getTopology()).append(" | ").append(a.getTrace().size()).append(" agents");
        byStatus.forEach((s, n) -> sb.append(' ').append(n).append(' ').append(s.name().toLowerCase(Locale.ROOT)));
        sb.append(" | levels done at");
        levels.forEach((level, l) -> sb.append(String.format(Locale.ROOT, " L%d(%d)=%.0fms", level, (int) l[0], l[1])));
        if (a.getDegraded()) {
            sb.append(" | DEGRADED");
        }
        return sb.toString();
    }
}
