package dev.moaflink.job.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A named job variant: configuration overrides that switch the Faster-MoA / MOSAIC mechanisms on one by one, so that
 * the same queries can be run through each and compared (the {@code faster-moa} benchmark, the {@code score} CLI).
 *
 * @param name      report name, e.g. {@code tree+overlap}
 * @param slug      short name for files and {@code --variants}, e.g. {@code tree-overlap}
 * @param overrides configuration key/value pairs applied after the user's configuration
 */
public record Variant(String name, String slug, List<String[]> overrides) {

    public Variant {
        overrides = List.copyOf(overrides);
    }

    /** The overrides as {@code key: value, ...}. */
    public String describe() {
        List<String> kv = new ArrayList<>();
        overrides.forEach(o -> kv.add(o[0] + ": " + o[1]));
        return String.join(", ", kv);
    }

    /** The overrides as command-line flags ({@code --key value ...}). */
    public List<String> flags() {
        List<String> flags = new ArrayList<>();
        overrides.forEach(o -> {
            flags.add("--" + o[0]);
            flags.add(o[1]);
        });
        return flags;
    }

    /**
     * The standard ladder, each variant adding one mechanism: dense, tree, tree+overlap, tree+overlap+early-exit,
     * +bypass T=1, +bypass T=2/3, and early-exit-never (the early-exit machinery on, its threshold unreachable: the
     * overhead of checking).
     *
     * @param dense the dense topology's name (e.g. {@code dense-9-9-1})
     * @param tree  the tree topology's name (e.g. {@code tree-9-3-1})
     */
    public static List<Variant> standard(String dense, String tree) {
        String[] topoDense = {"default_topology", dense};
        String[] topoTree = {"default_topology", tree};
        String[] overlap = {"mechanisms.overlap", "true"};
        String[] earlyExit = {"mechanisms.early_exit.enabled", "true"};
        return List.of(
                new Variant("dense", "dense", List.<String[]>of(topoDense)),
                new Variant("tree", "tree", List.<String[]>of(topoTree)),
                new Variant("tree+overlap", "tree-overlap", List.of(topoTree, overlap)),
                new Variant("tree+overlap+early-exit", "tree-overlap-ee", List.of(topoTree, overlap, earlyExit)),
                new Variant("+bypass T=1", "bypass-1", List.of(topoTree, overlap, earlyExit,
                        new String[] {"mechanisms.bypass_threshold", "1"})),
                new Variant("+bypass T=2/3", "bypass-067", List.of(topoTree, overlap, earlyExit,
                        new String[] {"mechanisms.bypass_threshold", "0.67"})),
                new Variant("early-exit-never", "ee-never", List.of(topoTree, overlap, earlyExit,
                        new String[] {"mechanisms.early_exit.threshold", "1.0"})));
    }

    /**
     * The variants named in {@code selection} (names or slugs, comma-separated, any case; {@code all}), in the order
     * of {@code all}.
     *
     * @throws IllegalArgumentException naming an unknown variant and listing the known ones
     */
    public static List<Variant> select(List<Variant> all, String selection) {
        if (selection.strip().equalsIgnoreCase("all")) {
            return all;
        }
        List<String> wanted = new ArrayList<>();
        for (String s : selection.split(",")) {
            String w = s.strip().toLowerCase(Locale.ROOT);
            if (all.stream().noneMatch(v -> v.slug().equals(w) || v.name().toLowerCase(Locale.ROOT).equals(w))) {
                throw new IllegalArgumentException("unknown variant '" + s.strip() + "'; known: "
                        + all.stream().map(v -> v.slug() + " (" + v.name() + ")").toList());
            }
            wanted.add(w);
        }
        return all.stream().filter(v -> wanted.contains(v.slug()) || wanted.contains(v.name().toLowerCase(Locale.ROOT)))
                .toList();
    }
}
